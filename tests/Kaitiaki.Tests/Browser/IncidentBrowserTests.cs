using Kaitiaki.Accounts;
using Kaitiaki.Incidents.Pages;
using Kaitiaki.Tests.Incidents;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>
/// The incident manager in Chromium: opens an incident, runs a scope, runs a narrower second version, compares the two
/// and freezes one. With JavaScript on, every page is checked by axe-core at 1280 and 390 px and the Commissioner's
/// clock counts down by itself; with it off, on a phone, the same work gets done and nothing scrolls sideways.
/// </summary>
[Trait("Category", "Browser")]
public sealed class IncidentBrowserTests : BrowserTest
{
    private protected override IReadOnlyDictionary<string, string> Settings { get; } = IncidentPagesData.ObserveOnly;

    [Fact]
    public async Task With_JavaScript_an_incident_manager_runs_a_scope_and_compares_two_versions_on_accessible_pages()
    {
        var breach = await IncidentPagesData.BreachAsync(Portal, "Kerikeri Medical");
        var manager = await Portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var page = await Browser.NewPageAsync(BaseUrl);
        page.SetDefaultTimeout(30_000);
        await page.Clock.InstallAsync();
        await SignInAsync(page, manager);

        await page.GetByRole(AriaRole.Link, new() { Name = "Incidents", Exact = true }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Incidents");
        await Assertions.Expect(page.Locator("#no-incidents")).ToBeVisibleAsync();
        await CheckAtBothWidthsAsync(page, "Incidents with none");

        await OpenAsync(page, breach);
        await CheckAtBothWidthsAsync(page, "A new incident's overview");

        // The clock counts down by itself: an hour and a minute later on this page, it says so.
        var clock = page.Locator("#clock-commissioner [data-seconds-left]");
        var secondsLeft = long.Parse((await clock.GetAttributeAsync("data-seconds-left"))!, System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(clock).ToHaveTextAsync(Within(secondsLeft));
        await page.Clock.RunForAsync(61 * 60 * 1000);
        await Assertions.Expect(clock).ToHaveTextAsync(Within(secondsLeft - 61 * 60));

        await RunTwoVersionsAsync(page, breach, check: what => CheckAtBothWidthsAsync(page, what));
        await CompareAsync(page);
        await CheckAtBothWidthsAsync(page, "Two versions compared");
        await page.Locator("#changes-chart").ScrollIntoViewIfNeededAsync();
        Assert.True(await page.Locator("#changes-chart").IsVisibleAsync());

        await FreezeAsync(page);
        await CheckAtBothWidthsAsync(page, "The scope with version 2 frozen");

        await page.GetByRole(AriaRole.Link, new() { Name = "Patients of version 2" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Version 2: 3 patients");
        await CheckAtBothWidthsAsync(page, "Version 2's patients");

        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        await Assertions.Expect(page.Locator("#shown-version")).ToContainTextAsync("version 2");
        await Assertions.Expect(page.Locator("#practices-chart")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#accesses-chart")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#reviews-2")).ToContainTextAsync("Kerikeri Medical");
        await CheckAtBothWidthsAsync(page, "The overview with a frozen version's pictures");

        foreach (var (link, heading) in new[] { ("Timeline", "Timeline"), ("Harm assessment", "Harm assessment"), ("Agencies and contact", "Agencies and contact") })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(heading);
            await CheckAtBothWidthsAsync(page, heading);
        }
    }

    [Fact]
    public async Task On_a_phone_without_JavaScript_an_incident_manager_runs_a_scope_and_compares_two_versions()
    {
        var breach = await IncidentPagesData.BreachAsync(Portal, "Paihia Family Doctors");
        var manager = await Portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(page, manager);
        // The phone's menu opens without JavaScript.
        await page.GetByText("Menu", new() { Exact = true }).ClickAsync();
        await page.Locator(".kt-menu").GetByRole(AriaRole.Link, new() { Name = "Incidents", Exact = true }).ClickAsync();

        await OpenAsync(page, breach);
        // Without the script the server's words stand: how long is left, to the minute.
        await Assertions.Expect(page.Locator("#clock-commissioner [data-seconds-left]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d+ hours( \\d+ minutes?)? left$"));
        await PageChecks.AssertNoSidewaysScrollAsync(page, "A new incident's overview at 390 px");

        await RunTwoVersionsAsync(page, breach, check: what => PageChecks.AssertNoSidewaysScrollAsync(page, $"{what} at 390 px"));
        await CompareAsync(page);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Two versions compared at 390 px");

        await FreezeAsync(page);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "The scope with version 2 frozen at 390 px");
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        await Assertions.Expect(page.Locator("#practices-table")).ToContainTextAsync("Paihia Family Doctors");
        await PageChecks.AssertNoSidewaysScrollAsync(page, "The overview at 390 px");
    }

    /// <summary>The words for this many seconds left, or for up to two minutes less: the page's own time moves on while the test reads it.</summary>
    private static System.Text.RegularExpressions.Regex Within(long secondsLeft) =>
        new("^(" + string.Join('|', Enumerable.Range(0, 121).Select(d => IncidentText.Left(TimeSpan.FromSeconds(secondsLeft - d))).Distinct()) + ")$");

    private static async Task OpenAsync(IPage page, IncidentPagesData.Breach breach)
    {
        // A mistake first: the form says what to fix and keeps what was typed.
        await page.GetByLabel("Title").FillAsync("Bulk downloads by one clinician account");
        await page.GetByRole(AriaRole.Button, new() { Name = "Open the incident" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Say when the operator became aware");
        await Assertions.Expect(page.GetByLabel("Title")).ToHaveValueAsync("Bulk downloads by one clinician account");
        await page.GetByLabel("When the operator became aware").FillAsync(IncidentPagesData.IncidentTime(breach.To));
        await page.GetByRole(AriaRole.Button, new() { Name = "Open the incident" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("The incident is open");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Bulk downloads by one clinician account");
        await Assertions.Expect(page.Locator("#no-scope")).ToBeVisibleAsync();
    }

    /// <summary>Version 1: everything the clinician's account did in the window. Version 2: only what it opened.</summary>
    private static async Task RunTwoVersionsAsync(IPage page, IncidentPagesData.Breach breach, Func<string, Task> check)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Scope", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#no-versions")).ToBeVisibleAsync();
        var (from, to) = IncidentPagesData.FormWindow(breach);
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(to);
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(from);
        await page.GetByLabel("Accounts", new() { Exact = true }).FillAsync(breach.Clinician.Email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the scope" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The window is empty or inverted");
        await check("The scope form with an inverted window");

        await page.GetByLabel("From", new() { Exact = true }).FillAsync(from);
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(to);
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the scope" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("saved as version 1");
        var first = page.Locator("#versions-table tr[data-version='1']");
        await Assertions.Expect(first).ToContainTextAsync("5 patients");
        await Assertions.Expect(first).ToContainTextAsync("Draft");
        await Assertions.Expect(first).ToContainTextAsync("Audit trail verified");
        await check("The scope with one version");

        await first.GetByRole(AriaRole.Link, new() { Name = "Start a new version from this" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Accounts", new() { Exact = true })).ToHaveValueAsync(breach.Clinician.AccountId.ToString());
        await page.GetByText("More filters").ClickAsync();
        await page.Locator("#excludeActions-list").CheckAsync();
        await page.Locator("#excludeActions-view").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Run the scope" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("saved as version 2");
        await Assertions.Expect(page.Locator("#versions-table tr[data-version='2']")).ToContainTextAsync("3 patients");
        await check("The scope with two versions");
    }

    private static async Task CompareAsync(IPage page)
    {
        await page.GetByLabel("From version").SelectOptionAsync("1");
        await page.GetByLabel("To version").SelectOptionAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Version 1 compared with version 2");
        await Assertions.Expect(page.Locator("#patients-removed")).ToHaveTextAsync("Patients removed: 2");
        await Assertions.Expect(page.Locator("#patients-removed-list li")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#patients-added")).ToHaveTextAsync("Patients added: 0");
        await Assertions.Expect(page.Locator("#documents-removed")).ToHaveTextAsync("Documents removed: 4");
        await Assertions.Expect(page.Locator("#changes-summary")).ToContainTextAsync("3 patients are in both");
    }

    private static async Task FreezeAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the scope" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Freeze version 2" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-freeze")).ToContainTextAsync("A frozen version never changes.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, freeze version 2" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Version 2 is frozen. It will never change");
        var second = page.Locator("#versions-table tr[data-version='2']");
        await Assertions.Expect(second).ToContainTextAsync("Frozen");
        await Assertions.Expect(second.GetByRole(AriaRole.Link, new() { Name = "Freeze version 2" })).ToHaveCountAsync(0);
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
