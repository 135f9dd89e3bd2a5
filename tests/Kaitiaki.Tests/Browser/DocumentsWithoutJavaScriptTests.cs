using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

[Trait("Category", "Browser")]
public sealed class DocumentsWithoutJavaScriptTests : BrowserTest
{
    [Fact]
    public async Task On_a_phone_without_JavaScript_a_patient_uploads_hides_shows_and_deletes_and_each_bad_upload_says_what_was_wrong()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patient = await Portal.CreatePatientAsync(practice);
        var clinician = await Portal.CreateStaffAsync(practice, Kaitiaki.Practices.StaffRole.Clinician);
        var staffApi = await Portal.SignInApiAsync(clinician);
        await TestPortal.UploadedIdAsync(staffApi, TestPortal.Pdf(2_000), category: "clinical-letter", patientId: patient.PatientId);

        var page = await Browser.NewPageAsync(BaseUrl, width: 390, javaScript: false);
        await SignInAsync(page, patient);
        // The navigation folds into a menu that opens without JavaScript.
        await page.GetByText("Menu", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Documents", Exact = true }).ClickAsync();
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Documents at 390 px");
        var rows = page.Locator("#documents tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        var pdf = Path.Combine(Portal.DataDirectory, "scan.pdf");
        await File.WriteAllBytesAsync(pdf, TestPortal.Pdf(5_000));
        var empty = Path.Combine(Portal.DataDirectory, "empty.pdf");
        await File.WriteAllBytesAsync(empty, []);
        var upload = page.GetByRole(AriaRole.Button, new() { Name = "Upload" });

        // No title: the form says so, and nothing is added.
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(pdf);
        await upload.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Give the document a title");
        // No file.
        await page.GetByLabel("Title").FillAsync("Scan");
        await upload.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Choose a file");
        // An empty file.
        await page.GetByLabel("Title").FillAsync("Scan");
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(empty);
        await upload.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("empty");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.DoesNotContain("__RequestVerificationToken", page.Url, StringComparison.Ordinal);

        // A good upload lands back on the page with a confirmation; nothing of the form is in the address.
        await page.GetByLabel("Title").FillAsync("Scan");
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(pdf);
        await upload.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Your document has been added");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.DoesNotContain("Scan", page.Url, StringComparison.Ordinal);
        await PageChecks.AssertNoSidewaysScrollAsync(page, "Documents with two documents at 390 px");
        // Download is a plain link: the same bytes come back.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            rows.Filter(new() { HasText = "Scan" }).GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        Assert.Equal(await File.ReadAllBytesAsync(pdf), await File.ReadAllBytesAsync((await download.PathAsync())!));

        // Hide the practice's letter: it leaves the list, and the address is a plain page a refresh cannot re-post.
        await rows.Filter(new() { HasNotText = "Scan" }).GetByRole(AriaRole.Button, new() { Name = "Hide" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("hidden from your list");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        Assert.DoesNotContain("handler", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "Include hidden documents" }).ClickAsync();
        var hidden = rows.Filter(new() { HasText = "Hidden" });
        await Assertions.Expect(hidden).ToHaveCountAsync(1);
        await hidden.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("back in your list");
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // Delete the patient's own document, with the password asked again.
        await rows.Filter(new() { HasText = "Scan" }).GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByLabel("Password").FillAsync(patient.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete document" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("deleted");
        Assert.DoesNotContain("handler", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
    }
}
