using Kaitiaki.Practices;
using Kaitiaki.Tests.Incidents;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>
/// A privacy officer's review of a breach in a real browser: from the practice home to the answer, the list, a flag
/// with its reason (after trying without one) and the approval; on a phone and a desktop, with JavaScript on and off.
/// axe-core checks each step where JavaScript runs.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PracticeReviewBrowserTests : BrowserTest
{
    private protected override IReadOnlyDictionary<string, string> Settings { get; } = PracticeReviewWorld.Settings;

    [Fact]
    public async Task A_privacy_officer_flags_a_patient_and_approves_on_a_phone_and_a_desktop_with_and_without_JavaScript()
    {
        // Before any incident: the plain empty answer.
        var quiet = await Portal.CreatePracticeAsync("Quiet Practice");
        var quietOfficer = await Portal.CreateStaffAsync(quiet, StaffRole.PrivacyOfficer);
        var first = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(first, quietOfficer);
        await first.GetByRole(AriaRole.Link, new() { Name = "Is Quiet Practice affected by a breach?" }).ClickAsync();
        await Assertions.Expect(first.Locator("#no-incidents")).ToContainTextAsync("There are no breach incidents");
        await PageChecks.AssertAccessibleAsync(first, "No incidents");
        await first.Context.CloseAsync();

        foreach (var (width, javaScript) in new[] { (390, false), (390, true), (1280, false), (1280, true) })
        {
            var what = $"at {width} px with JavaScript {(javaScript ? "on" : "off")}";
            var name = $"Practice {width} {(javaScript ? "JS" : "no JS")}";
            var world = await PracticeReviewWorld.BuildAsync(Portal, practiceName: name);
            var page = await Browser.NewPageAsync(BaseUrl, width, javaScript);
            await SignInAsync(page, world.PrivacyOfficer);

            await page.GetByRole(AriaRole.Link, new() { Name = $"Is {name} affected by a breach?" }).ClickAsync();
            var section = page.Locator($"[data-incident='{world.IncidentId}']");
            await Assertions.Expect(section.Locator("[data-answer]")).ToContainTextAsync("Yes. Version 1 (frozen) lists 3 patients of yours.");
            await CheckAsync(page, javaScript, $"Is my practice affected {what}");

            await section.GetByRole(AriaRole.Link, new() { Name = "See your patients in Version 1 (frozen)" }).ClickAsync();
            await Assertions.Expect(page.Locator("#patients tbody tr")).ToHaveCountAsync(3);
            await CheckAsync(page, javaScript, $"The list {what}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Flag Bella Test for clinician-led contact" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Flag patient" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Say why Bella Test needs clinician-led contact");
            await CheckAsync(page, javaScript, $"A flag without a reason {what}");
            await page.GetByLabel("Why does Bella Test need clinician-led contact?").FillAsync("Recent diagnosis, not yet talked through.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Flag patient" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("flagged for clinician-led contact");
            var row = page.Locator($"[data-patient='{world.PatientIds[1]}']");
            await Assertions.Expect(row.Locator("[data-flag]")).ToContainTextAsync("Recent diagnosis, not yet talked through.");
            await CheckAsync(page, javaScript, $"A flagged patient {what}");

            await page.GetByRole(AriaRole.Button, new() { Name = "Approve version 1" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("You've approved version 1.");
            await Assertions.Expect(page.Locator("#approval")).ToContainTextAsync("You approved Version 1 (frozen) on");
            await CheckAsync(page, javaScript, $"Approved {what}");

            await page.GetByRole(AriaRole.Link, new() { Name = "Back to breach incidents" }).ClickAsync();
            await Assertions.Expect(section.Locator("[data-review]")).ToContainTextAsync("Approved");
            await page.Context.CloseAsync();
        }
    }

    /// <summary>No sideways scrolling at any width; axe-core where JavaScript runs (it is a script).</summary>
    private static async Task CheckAsync(IPage page, bool javaScript, string what)
    {
        await PageChecks.AssertNoSidewaysScrollAsync(page, what);
        if (javaScript)
        {
            await PageChecks.AssertAccessibleAsync(page, what);
        }
    }
}
