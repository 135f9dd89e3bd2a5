using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

/// <summary>The practice's main tasks on a phone with JavaScript off: an administrator adds a patient, a clinician finds them and shares a letter.</summary>
[Trait("Category", "Browser")]
public sealed class PracticeWithoutJavaScriptTests : BrowserTest
{
    [Fact]
    public async Task On_a_phone_without_JavaScript_an_administrator_adds_a_patient_and_a_clinician_finds_them_and_shares_a_letter()
    {
        var practice = await Portal.CreatePracticeAsync("Kōwhai Health");
        var admin = await Portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var clinician = await Portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var nhi = TestPortal.NewTestNhi();

        var adminPage = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(adminPage, admin);
        await adminPage.GetByRole(AriaRole.Link, new() { Name = "Add and invite a patient" }).ClickAsync();
        await adminPage.GetByRole(AriaRole.Button, new() { Name = "Add and send invitation" }).ClickAsync();
        await Assertions.Expect(adminPage.GetByRole(AriaRole.Alert)).ToContainTextAsync("NHI");
        await adminPage.GetByLabel("NHI number").FillAsync(nhi);
        await adminPage.GetByLabel("Given name").FillAsync("Ānaru");
        await adminPage.GetByLabel("Family name").FillAsync("Te Whata");
        await adminPage.GetByLabel("Date of birth").FillAsync("1968-09-30");
        await adminPage.GetByLabel("E-mail address").FillAsync($"anaru-{Guid.NewGuid():N}@example.nz");
        await adminPage.GetByRole(AriaRole.Button, new() { Name = "Add and send invitation" }).ClickAsync();
        await Assertions.Expect(adminPage.GetByRole(AriaRole.Status).First).ToContainTextAsync("e-mailed an invitation");
        await PageChecks.AssertNoSidewaysScrollAsync(adminPage, "Add a patient at 390 px");

        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(page, clinician);
        await page.GetByRole(AriaRole.Link, new() { Name = "Find a patient" }).ClickAsync();
        await page.GetByLabel("Find a patient").FillAsync("te wha");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("#patients tbody tr")).ToHaveCountAsync(1);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Patients at 390 px");
        await page.Locator("#patients").GetByRole(AriaRole.Link, new() { Name = "Documents" }).ClickAsync();

        var letter = Path.Combine(Portal.DataDirectory, "letter.pdf");
        await File.WriteAllBytesAsync(letter, TestPortal.Pdf(4_000));
        await page.GetByLabel("Title").FillAsync("Referral letter");
        await page.GetByLabel("Type").SelectOptionAsync("clinical-letter");
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(letter);
        await page.GetByRole(AriaRole.Button, new() { Name = "Share document" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("shared with the patient");
        await Assertions.Expect(page.Locator("#documents tbody tr").Filter(new() { HasText = "Referral letter" })).ToHaveCountAsync(1);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "A patient's documents at 390 px");
    }
}
