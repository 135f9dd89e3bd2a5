using Kaitiaki.Tests.Support;
using Microsoft.Playwright;

namespace Kaitiaki.Tests.Browser;

[Trait("Category", "Browser")]
public sealed class DocumentsBrowserTests : BrowserTest
{
    [Fact]
    public async Task Patient_uploads_a_pdf_sees_it_previews_it_downloads_the_same_bytes_and_deletes_it()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patient = await Portal.CreatePatientAsync(practice);
        var page = await Browser.NewPageAsync(BaseUrl);
        await SignInAsync(page, patient);

        await page.GetByRole(AriaRole.Link, new() { Name = "Documents", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("There are no documents here yet")).ToBeVisibleAsync();

        var pdf = TestPortal.Pdf(180_000, seed: 42);
        var file = Path.Combine(Portal.DataDirectory, "x-ray-report.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        await page.GetByLabel("Title").FillAsync("X-ray report");
        await page.GetByLabel("Type").SelectOptionAsync("report");
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
        var row = page.Locator("#documents tbody tr").Filter(new() { HasText = "X-ray report" });
        await Assertions.Expect(row).ToBeVisibleAsync();

        // Preview: served inline, sandboxed, never cached.
        var openHref = await row.GetByRole(AriaRole.Link, new() { Name = "Open" }).GetAttributeAsync("href");
        var preview = await page.Context.APIRequest.GetAsync(BaseUrl + openHref);
        Assert.Equal(200, preview.Status);
        Assert.Equal("application/pdf", preview.Headers["content-type"]);
        Assert.StartsWith("inline", preview.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal("sandbox", preview.Headers["content-security-policy"]);
        Assert.Equal("no-store", preview.Headers["cache-control"]);
        Assert.Equal(pdf, await preview.BodyAsync());

        var download = await page.RunAndWaitForDownloadAsync(() => row.GetByRole(AriaRole.Link, new() { Name = "Download" }).ClickAsync());
        Assert.Equal("x-ray-report.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync((await download.PathAsync())!));

        await row.GetByRole(AriaRole.Link, new() { Name = "Delete" }).ClickAsync();
        await page.GetByLabel("Password").FillAsync(patient.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete document" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("deleted");
        await Assertions.Expect(page.Locator("#documents")).ToHaveCountAsync(0);
        Assert.Equal(404, (await page.Context.APIRequest.GetAsync(BaseUrl + openHref)).Status);
    }
}
