using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Tests.Security;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>The security console in Chromium: live with JavaScript, complete without it, accessible at 1280 and 390 px.</summary>
[Trait("Category", "Browser")]
public sealed class SecurityConsoleBrowserTests : BrowserTest
{
    private const string Paused = "Downloads are paused while we check something. Your documents are safe.";

    [Fact]
    public async Task An_alert_arrives_without_a_reload_and_the_analyst_pauses_downloads_for_one_practice_then_resumes_them()
    {
        var harbour = await Portal.CreatePracticeAsync("Harbour Practice");
        var hillside = await Portal.CreatePracticeAsync("Hillside Practice");
        var (patientHere, documentHere) = await PatientWithDocumentAsync(harbour);
        var (patientThere, documentThere) = await PatientWithDocumentAsync(hillside);
        var prober = await Portal.CreatePatientAsync(hillside);
        var proberApi = await Portal.SignInApiAsync(prober);
        var analyst = await Portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);

        var page = await Browser.NewPageAsync(BaseUrl);
        page.SetDefaultTimeout(30_000);
        await SignInAsync(page, analyst);
        await page.GetByRole(AriaRole.Link, new() { Name = "Security console" }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Security console");
        await Assertions.Expect(page.Locator("#no-alerts")).ToBeVisibleAsync();
        await CheckAtBothWidthsAsync(page, "Security console with no alerts");
        await page.EvaluateAsync("() => { window.keptSinceLoad = true; }");

        // A patient's API token asks for documents that are not theirs until the detector contains it.
        for (var i = 0; i < 4; i++)
        {
            await proberApi.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var alert = page.Locator("#alerts tbody tr");
        await Assertions.Expect(alert).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(alert).ToContainTextAsync("Many of its requests refused");
        await Assertions.Expect(alert).ToContainTextAsync("Medium");
        await Assertions.Expect(alert).ToContainTextAsync("In force");
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("New alert: Many of its requests refused.");
        Assert.True(await page.EvaluateAsync<bool>("() => window.keptSinceLoad === true"), "The page was reloaded.");
        await Assertions.Expect(page.Locator("#chart-alerts li")).ToHaveCountAsync(1);
        await CheckAtBothWidthsAsync(page, "Security console with an alert");

        // Its evidence: the refusals, in words.
        await alert.GetByRole(AriaRole.Link, new() { Name = "Evidence and actions" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Many of its requests refused");
        await Assertions.Expect(page.Locator("#evidence tbody tr").Filter(new() { HasText = "Asked for a document and was refused" }).First).ToContainTextAsync("Refused");
        await Assertions.Expect(page.Locator("#alert-actions")).ToContainTextAsync("Asked the session for its second factor again");
        await CheckAtBothWidthsAsync(page, "An alert's evidence");

        // Downloads off for Harbour Practice only.
        await page.GetByRole(AriaRole.Link, new() { Name = "Switches" }).ClickAsync();
        var downloads = page.Locator("[data-switch='documents.download']");
        await downloads.GetByLabel("Switch documents.download off for one practice").SelectOptionAsync(new SelectOptionValue { Label = "Harbour Practice" });
        await downloads.GetByRole(AriaRole.Button, new() { Name = "Switch off for this practice" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Switched off");
        await Assertions.Expect(downloads.Locator("[data-state]")).ToContainTextAsync("Off for: Harbour Practice");
        await CheckAtBothWidthsAsync(page, "Switches with one off for a practice");

        var here = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(here, patientHere);
        var refused = await here.GotoAsync($"/documents/{documentHere}/content");
        Assert.Equal(503, refused!.Status);
        await Assertions.Expect(here.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Downloads are paused");
        await Assertions.Expect(here.Locator("main")).ToContainTextAsync(Paused);
        await PageChecks.AssertAccessibleAsync(here, "The paused download's page");
        var there = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(there, patientThere);
        Assert.Equal(TestPortal.Pdf(4_000, seed: 7), await DownloadAsync(there, documentThere));

        // Back on: Harbour Practice's patient downloads again.
        await downloads.GetByRole(AriaRole.Button, new() { Name = "Switch back on for Harbour Practice" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Switched back on");
        await Assertions.Expect(downloads.Locator("[data-state]")).Not.ToContainTextAsync("Off");
        Assert.Equal(TestPortal.Pdf(4_000, seed: 7), await DownloadAsync(here, documentHere));
    }

    [Fact]
    public async Task Without_JavaScript_the_console_is_complete_and_a_switch_goes_off_and_on_for_everyone()
    {
        var patient = await Portal.CreatePatientAsync(await Portal.CreatePracticeAsync());
        var api = await Portal.SignInApiAsync(patient);
        for (var i = 0; i < 4; i++)
        {
            await api.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var analyst = await Portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        page.SetDefaultTimeout(30_000);
        await SignInAsync(page, analyst);
        await page.GetByText("Menu", new() { Exact = true }).ClickAsync();
        await page.Locator(".kt-menu").GetByRole(AriaRole.Link, new() { Name = "Security console" }).ClickAsync();
        await Assertions.Expect(page.Locator("#alerts tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#chart-summary")).ToContainTextAsync("reads of patients' data");
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Security console without JavaScript at 390 px");
        await page.GetByRole(AriaRole.Link, new() { Name = "Refresh" }).ClickAsync();
        await Assertions.Expect(page.Locator("#alerts tbody tr")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Link, new() { Name = "Switches" }).ClickAsync();
        var lists = page.Locator("[data-switch='patients.list']");
        await lists.GetByRole(AriaRole.Button, new() { Name = "Switch off for everyone" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Switched off");
        await Assertions.Expect(lists.Locator("[data-state]")).ToContainTextAsync("Off for everyone");
        Assert.DoesNotContain("handler", page.Url, StringComparison.Ordinal);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Switches without JavaScript at 390 px");
        await lists.GetByRole(AriaRole.Button, new() { Name = "Switch back on for everyone" }).ClickAsync();
        await Assertions.Expect(lists.Locator("[data-state]")).Not.ToContainTextAsync("Off");

        // A practice must be chosen: "off for one practice" never becomes "off for everyone".
        await page.Locator("[data-switch='documents']").GetByRole(AriaRole.Button, new() { Name = "Switch off for this practice" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Choose the practice");
        await Assertions.Expect(page.Locator("[data-switch='documents'] [data-state]")).Not.ToContainTextAsync("Off");

        await page.GetByRole(AriaRole.Link, new() { Name = "Actions", Exact = true }).ClickAsync();
        await page.GetByLabel("Address or network").FillAsync("203.0.113.0/23");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("/32, /24, /16");
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Actions with a problem at 390 px");
    }

    [Fact]
    public async Task Remediation_of_a_practices_staff_shows_its_progress_updating_itself()
    {
        var recorder = new SecurityConsoleRemediationTests.Recorder { Delay = TimeSpan.FromMilliseconds(700) };
        await using var portal = await TestPortal.StartAsync(kestrel: true, new Dictionary<string, string> { ["Kaitiaki:LocalHttp"] = "true" }, b =>
        {
            b.Services.AddSingleton(recorder);
            b.Services.AddScoped<IRemediation, SecurityConsoleRemediationTests.RecordingRemediation>();
        });
        var baseUrl = portal.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var practice = await portal.CreatePracticeAsync("Harbour Practice");
        foreach (var role in new[] { StaffRole.Clinician, StaffRole.Clinician, StaffRole.PracticeAdministrator })
        {
            await portal.CreateStaffAsync(practice, role);
        }
        var prober = await portal.SignInApiAsync(await portal.CreatePatientAsync(practice));
        for (var i = 0; i < 4; i++)
        {
            await prober.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var analyst = await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var page = await Browser.NewPageAsync(baseUrl);
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mail address").FillAsync(analyst.Email);
        await page.GetByLabel("Password").FillAsync(analyst.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(portal.NextTotp(analyst));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GotoAsync("/operator/security/remediation");
        await Assertions.Expect(page.Locator("#accounts .govuk-checkboxes__item")).ToHaveCountAsync(1);
        await CheckAtBothWidthsAsync(page, "Remediate credentials");
        await page.GetByLabel("Or a whole practice's staff").SelectOptionAsync(new SelectOptionValue { Label = "Harbour Practice" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Remediate" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That password isn't right");
        await CheckAtBothWidthsAsync(page, "Remediate credentials with a problem");
        await page.GetByLabel("Your password").FillAsync(analyst.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Remediate" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Remediation progress");
        await page.EvaluateAsync("() => { window.keptSinceLoad = true; }");
        await Assertions.Expect(page.Locator("#progress-summary")).ToContainTextAsync("Finished at", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#progress-summary")).ToContainTextAsync("3 of 3 remediated.");
        await Assertions.Expect(page.Locator("#live-status")).ToContainTextAsync("3 of 3 remediated.");
        Assert.True(await page.EvaluateAsync<bool>("() => window.keptSinceLoad === true"), "The page was reloaded.");
        await CheckAtBothWidthsAsync(page, "Remediation progress");
    }

    private async Task<(TestUser Patient, Guid Document)> PatientWithDocumentAsync(Practice practice)
    {
        var patient = await Portal.CreatePatientAsync(practice);
        var id = await TestPortal.UploadedIdAsync(await Portal.SignInApiAsync(patient), TestPortal.Pdf(4_000, seed: 7));
        return (patient, id);
    }

    private static async Task<byte[]> DownloadAsync(IPage page, Guid document)
    {
        await page.GotoAsync("/patient/documents");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.Locator($"a[href='/documents/{document}/content'][download]").ClickAsync());
        return await File.ReadAllBytesAsync((await download.PathAsync())!);
    }

    private static async Task CheckAtBothWidthsAsync(IPage page, string what)
    {
        foreach (var width in new[] { 1280, 390 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await PageChecks.AssertNoSidewaysScrollAsync(page, $"{what} at {width} px");
            await PageChecks.AssertAccessibleAsync(page, $"{what} at {width} px");
        }
        await page.SetViewportSizeAsync(1280, 800);
    }
}
