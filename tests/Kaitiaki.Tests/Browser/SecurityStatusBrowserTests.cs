using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Tests.Incidents;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>
/// A patient whose documents a compromised clinician account read, as they meet it in Chromium: the red banner on their
/// home with the documents and when, the security status page, and its print sheet, on a phone and a computer, with
/// JavaScript on (checked by axe-core) and off.
/// </summary>
[Trait("Category", "Browser")]
public sealed class SecurityStatusBrowserTests : BrowserTest
{
    private protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" };

    [Fact]
    public async Task Impacted_patient_sees_the_red_banner_with_the_accessed_documents_on_a_phone_and_a_computer_with_and_without_JavaScript()
    {
        var practice = await Portal.CreatePracticeAsync("Kerikeri Medical");
        var patient = await Portal.CreatePatientAsync(practice);
        var scenario = await StatusScenario.StartAsync(Portal, practice);
        var letter = await scenario.ShareAsync(patient.PatientId!.Value, "Discharge summary from the hospital", 1);
        var results = await scenario.ShareAsync(patient.PatientId.Value, "Blood test results", 2);
        await scenario.ReadThenScopeAsync([patient.PatientId.Value], [letter], freeze: true);
        using var api = await Portal.SignInApiAsync(patient);
        var status = await api.GetFromJsonAsync<JsonElement>("/api/v1/me/security-status");
        var accessed = status.GetProperty("documents").EnumerateArray()
            .ToDictionary(d => d.GetProperty("id").GetGuid(), d => NzTime.DateAndTime(d.GetProperty("accessedAt").GetDateTime().ToUniversalTime()));
        var phrase = status.GetProperty("verificationPhrase").GetString()!;

        foreach (var width in new[] { 390, 1280 })
        {
            foreach (var javaScript in new[] { true, false })
            {
                var what = $"at {width} px with JavaScript {(javaScript ? "on" : "off")}";
                var page = await Browser.NewPageAsync(BaseUrl, width, javaScript);
                await SignInAsync(page, patient);
                await page.GotoAsync("/patient");

                // The banner's title says the status in words; the list says what was accessed, when, and how much.
                var banner = page.Locator(".kt-status-banner--impacted");
                await Assertions.Expect(banner).ToBeVisibleAsync();
                await Assertions.Expect(banner.Locator(".govuk-notification-banner__title")).ToHaveTextAsync("Security status: Impacted");
                await Assertions.Expect(banner.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Some of your documents were accessed in a security incident");
                var items = banner.Locator("li");
                await Assertions.Expect(items).ToHaveCountAsync(2);
                var letterItem = items.Filter(new() { HasText = "Discharge summary from the hospital" });
                await Assertions.Expect(letterItem).ToContainTextAsync(accessed[letter]);
                await Assertions.Expect(letterItem).ToContainTextAsync("The document itself was opened or downloaded");
                var resultsItem = items.Filter(new() { HasText = "Blood test results" });
                await Assertions.Expect(resultsItem).ToContainTextAsync(accessed[results]);
                await Assertions.Expect(resultsItem).ToContainTextAsync("Only its details (title, date and size) were seen");
                await Assertions.Expect(banner).ToContainTextAsync("Kaitiaki's notices never contain links and never ask for your password");
                await CheckAsync(page, $"The home {what}", javaScript);

                // The banner leads to the whole story.
                await banner.GetByRole(AriaRole.Link, new() { Name = "See your security status and what you can do" }).ClickAsync();
                await page.WaitForURLAsync("**/patient/security");
                await Assertions.Expect(page.Locator("table tbody tr")).ToHaveCountAsync(2);
                await Assertions.Expect(page.Locator("[data-phrase]")).ToHaveTextAsync(phrase);
                await Assertions.Expect(page.GetByText("Kaitiaki's notices never contain links and never ask for a password.")).ToBeVisibleAsync();
                await CheckAsync(page, $"The security status page {what}", javaScript);

                // Print is a link to the sheet, so it works without JavaScript; with it, the sheet also offers the print dialogue.
                await page.GetByRole(AriaRole.Link, new() { Name = "Print or save your status" }).ClickAsync();
                await page.WaitForURLAsync("**/patient/security/print**");
                var print = page.GetByRole(AriaRole.Button, new() { Name = "Print this page" });
                if (javaScript)
                {
                    await Assertions.Expect(print).ToBeVisibleAsync();
                }
                else
                {
                    await Assertions.Expect(print).ToBeHiddenAsync();
                }
                await CheckAsync(page, $"The print sheet {what}", javaScript);

                // On paper: no navigation, no back link; the name, status, documents, phrase and helpline.
                await page.EmulateMediaAsync(new() { Media = Media.Print });
                await Assertions.Expect(page.GetByRole(AriaRole.Navigation)).ToHaveCountAsync(0);
                await Assertions.Expect(page.Locator(".kt-nav-bar")).ToBeHiddenAsync();
                await Assertions.Expect(page.Locator(".kt-menu")).ToBeHiddenAsync();
                await Assertions.Expect(page.GetByText("Back to the security status")).ToBeHiddenAsync();
                var sheet = page.Locator(".kt-print-sheet");
                await Assertions.Expect(sheet).ToContainTextAsync("Test Patient");
                await Assertions.Expect(sheet).ToContainTextAsync("Impacted");
                await Assertions.Expect(sheet).ToContainTextAsync("Discharge summary from the hospital");
                await Assertions.Expect(sheet).ToContainTextAsync(phrase);
                await Assertions.Expect(sheet).ToContainTextAsync(new Kaitiaki.Incidents.IncidentOptions().HelplineNumber);
                await Assertions.Expect(sheet).ToContainTextAsync("Printed");
                await page.Context.CloseAsync();
            }
        }
    }

    private static async Task CheckAsync(IPage page, string what, bool javaScript)
    {
        await PageChecks.AssertNoSidewaysScrollAsync(page, what);
        if (javaScript)
        {
            await PageChecks.AssertAccessibleAsync(page, what);
        }
    }
}
