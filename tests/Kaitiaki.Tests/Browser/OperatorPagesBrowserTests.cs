using Kaitiaki.Accounts;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

[Trait("Category", "Browser")]
public sealed class OperatorPagesBrowserTests : BrowserTest
{
    [Fact]
    public async Task On_a_phone_without_JavaScript_a_security_analyst_searches_the_trail_and_signs_a_patient_out_everywhere()
    {
        var patient = await Portal.CreatePatientAsync(await Portal.CreatePracticeAsync());
        var patientApi = await Portal.SignInApiAsync(patient);
        var analyst = await Portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);

        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        page.SetDefaultTimeout(30_000);
        await SignInAsync(page, analyst);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Kia ora");
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Operator home at 390 px");

        // A date that does not exist is named in the error summary, and nothing is shown.
        await page.GetByRole(AriaRole.Link, new() { Name = "Search the audit trail" }).ClickAsync();
        await page.GetByLabel("From").FillAsync("2026-13-45");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("as a real date");
        await Assertions.Expect(page.Locator("#events")).ToHaveCountAsync(0);

        // The patient's own sign-in, found by their e-mail address, in words and New Zealand time.
        await page.GetByLabel("From").FillAsync("");
        await page.GetByLabel("Who").FillAsync(patient.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var rows = page.Locator("#events tbody tr");
        await Assertions.Expect(rows.Filter(new() { HasText = "Confirmed a second factor" })).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("NZ");
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Audit trail results at 390 px");
        var results = page.Url;

        // Then help the patient, who fears someone else is signed in: look them up and sign them out everywhere.
        await page.GotoAsync("/operator");
        await page.GetByRole(AriaRole.Link, new() { Name = "Help someone sign in" }).ClickAsync();
        await page.GetByLabel("Their e-mail address").FillAsync(patient.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("1 device or app");
        Assert.DoesNotContain("@", page.Url, StringComparison.Ordinal);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Support lookup at 390 px");
        var status = page.Url;
        await page.GetByLabel("Your password").FillAsync(analyst.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("signed out everywhere");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("No devices now");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await patientApi.GetAsync("/api/v1/me")).StatusCode);

        // axe-core runs in the page, so the same pages are checked again in a browser with JavaScript on.
        var checker = await Browser.NewPageAsync(BaseUrl, width: 390);
        checker.SetDefaultTimeout(30_000);
        await SignInAsync(checker, analyst);
        foreach (var (address, what) in new[]
                 {
                     ("/operator", "Operator home"), ("/operator/audit?from=2026-13-45", "Audit trail with a bad date"),
                     (results, "Audit trail results"), (status, "Support lookup"),
                 })
        {
            await checker.GotoAsync(address);
            await PageChecks.AssertAccessibleAsync(checker, what);
        }
    }
}
