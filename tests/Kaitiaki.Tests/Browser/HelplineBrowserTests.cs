using Kaitiaki.Accounts;
using Kaitiaki.Tests.Incidents;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>The breach helpline in Chromium: a support agent finds a caller only with all three details, on a phone without JavaScript and on a desktop with it.</summary>
[Trait("Category", "Browser")]
public sealed class HelplineBrowserTests : BrowserTest
{
    private const string Title = "Biopsy result – melanoma";

    [Fact]
    public async Task A_support_agent_finds_a_caller_only_with_all_three_details_then_checks_their_phrase_and_logs_the_call()
    {
        var practice = await Portal.CreatePracticeAsync("Harbour Practice");
        var caller = await Portal.CreatePatientAsync(practice);
        var nhi = await HelplineSteps.GiveDetailsAsync(Portal, caller, "Aroha", "Ngāta", new DateOnly(1984, 3, 27));
        var clinician = await HelplineSteps.ClinicianReadsAsync(Portal, practice, Title, [caller]);
        var (incident, manager) = await HelplineSteps.ScopeAsync(Portal, clinician.AccountId);
        await HelplineSteps.FreezeAsync(manager, incident);
        var agent = await Portal.CreateOperatorAsync(OperatorRole.SupportAgent);

        // Without JavaScript on a phone: the whole call works, and the page fits.
        var phone = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        phone.SetDefaultTimeout(30_000);
        await SignInAsync(phone, agent);
        await CallAsync(phone, nhi, async what => await PageChecks.AssertNoSidewaysScrollAsync(phone, $"{what} at 390 px without JavaScript"));

        // With JavaScript on a desktop: the same call, each step checked by axe-core at 1280 and 390 px.
        var desktop = await Browser.NewPageAsync(BaseUrl);
        desktop.SetDefaultTimeout(30_000);
        await SignInAsync(desktop, agent);
        await CallAsync(desktop, nhi, async what =>
        {
            foreach (var width in new[] { 1280, 390 })
            {
                await desktop.SetViewportSizeAsync(width, 800);
                await PageChecks.AssertNoSidewaysScrollAsync(desktop, $"{what} at {width} px");
                await PageChecks.AssertAccessibleAsync(desktop, $"{what} at {width} px");
            }
            await desktop.SetViewportSizeAsync(1280, 800);
        });
    }

    private static async Task CallAsync(IPage page, string nhi, Func<string, Task> check)
    {
        await page.GotoAsync("/operator");
        await page.GetByRole(AriaRole.Link, new() { Name = "Breach helpline" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Breach helpline");
        await check("The helpline form");

        // Two of three details: told what is missing, and nothing is looked up.
        await page.GetByLabel("NHI number").FillAsync(nhi.ToLowerInvariant());
        await page.GetByLabel("Day").FillAsync("27");
        await page.GetByLabel("Month").FillAsync("3");
        await page.GetByLabel("Year").FillAsync("1984");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find caller" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Enter their family name. A look-up needs all three details");
        await Assertions.Expect(page.Locator("#familyName-error")).ToContainTextAsync("Enter their family name");
        await Assertions.Expect(page.Locator("#status")).ToHaveCountAsync(0);
        await check("The helpline with a detail missing");

        // A wrong family name: no match, and nothing says which detail was wrong.
        await page.GetByLabel("Family name").FillAsync("Parata");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find caller" }).ClickAsync();
        await Assertions.Expect(page.Locator("#answer")).ToContainTextAsync("No match");
        await Assertions.Expect(page.Locator("#status")).ToHaveCountAsync(0);
        await check("The helpline with no match");

        // All three: the caller, their status in counts and dates, and what to say.
        await page.GetByLabel("Family name").FillAsync("NGĀTA");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find caller" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Aroha Ngāta");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Impacted");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("1 document: the document itself was opened or downloaded");
        await Assertions.Expect(page.Locator("#script")).ToContainTextAsync("Kaitiaki will never send you a link");
        Assert.DoesNotContain(nhi, page.Url, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("melanoma", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await check("The helpline with a caller found");

        await page.GetByLabel("The phrase they read out").FillAsync("apple banana cherry damson 42");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check phrase" }).ClickAsync();
        await Assertions.Expect(page.Locator("#phrase-result")).ToContainTextAsync("The phrase does not match.");
        await check("The helpline after a phrase check");

        await page.GetByLabel("Note (optional)").FillAsync("Asked whether they were affected. Their phrase did not match; told them not to reply to the message.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log the call" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("The call has been logged");
        await check("The helpline after logging a call");
    }
}
