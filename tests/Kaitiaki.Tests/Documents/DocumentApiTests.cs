using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

[Trait("Category", "Integration")]
public sealed class DocumentApiTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
    {
        ["Kaitiaki:Documents:MaxUploadBytes"] = "300000",
        ["Kaitiaki:Documents:PatientQuotaBytes"] = "700000",
        // These tests ask for other people's documents on purpose, as probing would: the detector would contain them.
        ["Kaitiaki:Detection:Mode"] = "off",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Patient_uploads_lists_reads_ranges_and_deletes_their_own_document()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var client = await _portal.SignInApiAsync(patient);
        var pdf = TestPortal.Pdf(270_000);

        var created = await TestPortal.UploadAsync(client, pdf, fileName: "../../etc/passwd letter.pdf");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var document = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = document.GetProperty("id").GetGuid();
        Assert.Equal("passwd letter.pdf", document.GetProperty("fileName").GetString());
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(pdf)).ToLowerInvariant(), document.GetProperty("sha256").GetString());

        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetGuid());

        var content = await client.GetAsync($"/api/v1/documents/{id}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal(pdf, await content.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", content.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("nosniff", content.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(content.Headers.CacheControl!.NoStore);
        Assert.Equal("sandbox", content.Headers.GetValues("Content-Security-Policy").Single());

        var preview = await client.GetAsync($"/api/v1/documents/{id}/content?disposition=inline");
        Assert.Equal("inline", preview.Content.Headers.ContentDisposition!.DispositionType);

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/documents/{id}/content");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(70_000, 140_000);
        var partial = await client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(pdf[70_000..140_001], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 70000-140000/270000", partial.Content.Headers.ContentRange!.ToString());

        using var badRange = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/documents/{id}/content");
        badRange.Headers.TryAddWithoutValidation("Range", "bytes=300000-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await client.SendAsync(badRange)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/documents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/documents/{id}")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray());
    }

    [Fact]
    public async Task Another_patients_document_answers_exactly_like_a_missing_one()
    {
        var practice = await _portal.CreatePracticeAsync();
        var owner = await _portal.CreatePatientAsync(practice);
        var intruder = await _portal.CreatePatientAsync(practice);
        var ownerClient = await _portal.SignInApiAsync(owner);
        var id = (await (await TestPortal.UploadAsync(ownerClient, TestPortal.Pdf(1000))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var client = await _portal.SignInApiAsync(intruder);

        foreach (var path in new[] { "", "/content" })
        {
            var other = await client.GetAsync($"/api/v1/documents/{id}{path}");
            var missing = await client.GetAsync($"/api/v1/documents/{Guid.NewGuid()}{path}");
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            await ResponsesMatch.AssertSameAsync(missing, other);
        }
        var deleteOther = await client.DeleteAsync($"/api/v1/documents/{id}");
        var deleteMissing = await client.DeleteAsync($"/api/v1/documents/{Guid.NewGuid()}");
        await ResponsesMatch.AssertSameAsync(deleteMissing, deleteOther);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/documents?patientId={owner.PatientId}")).StatusCode);

        // The owner's document is untouched.
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.GetAsync($"/api/v1/documents/{id}")).StatusCode);
    }

    [Fact]
    public async Task Clinician_uploads_for_an_enrolled_patient_and_loses_access_when_the_patient_moves()
    {
        var first = await _portal.CreatePracticeAsync("First Practice");
        var second = await _portal.CreatePracticeAsync("Second Practice");
        var patient = await _portal.CreatePatientAsync(first);
        var clinician = await _portal.SignInApiAsync(await _portal.CreateStaffAsync(first, StaffRole.Clinician));

        var created = await TestPortal.UploadAsync(clinician, TestPortal.Pdf(5000), category: "discharge-summary", patientId: patient.PatientId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"/api/v1/documents/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await clinician.GetAsync("/api/v1/documents")).StatusCode);

        await _portal.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<EnrolmentService>().EnrolAsync(patient.PatientId!.Value, second.Id, DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
            return await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.NotFound, (await clinician.GetAsync($"/api/v1/documents/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clinician.GetAsync($"/api/v1/documents?patientId={patient.PatientId}")).StatusCode);

        // The patient still has it, and cannot delete a practice document, only hide it.
        var patientClient = await _portal.SignInApiAsync(patient);
        Assert.Equal(HttpStatusCode.Forbidden, (await patientClient.DeleteAsync($"/api/v1/documents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await patientClient.PostAsync($"/api/v1/documents/{id}/hide", null)).StatusCode);
        Assert.Empty((await patientClient.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray());
        Assert.Single((await patientClient.GetFromJsonAsync<JsonElement>("/api/v1/documents?includeHidden=true")).EnumerateArray());
    }

    [Fact]
    public async Task A_file_sent_before_its_fields_is_still_stored_correctly()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var client = await _portal.SignInApiAsync(patient);
        var pdf = TestPortal.Pdf(150_000, seed: 8);
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(pdf);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
        form.Add(part, "file", "scan.pdf");
        form.Add(new StringContent("Scan"), "title");
        form.Add(new StringContent("report"), "category");

        var created = await client.PostAsync("/api/v1/documents", form);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(pdf, await client.GetByteArrayAsync($"/api/v1/documents/{id}/content"));
    }

    [Fact]
    public async Task A_lost_master_key_folder_stops_uploads_instead_of_being_replaced()
    {
        var practice = await _portal.CreatePracticeAsync();
        var client = await _portal.SignInApiAsync(await _portal.CreatePatientAsync(practice));
        Assert.Equal(HttpStatusCode.Created, (await TestPortal.UploadAsync(client, TestPortal.Pdf(1000))).StatusCode);
        var master = Path.Combine(_portal.DataDirectory, "keys", "master");
        Directory.Move(master, master + ".lost");

        var refused = await TestPortal.UploadAsync(client, TestPortal.Pdf(1000));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("encryption key", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(master));
        Assert.Equal(1, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.CountAsync()));
    }

    [Fact]
    public async Task Bad_uploads_are_refused_with_a_clear_reason_and_leave_nothing_behind()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var client = await _portal.SignInApiAsync(patient);

        async Task Refused(HttpResponseMessage response, HttpStatusCode status, string reason)
        {
            Assert.Equal(status, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        await Refused(await TestPortal.UploadAsync(client, "not a pdf at all"u8.ToArray()), HttpStatusCode.UnsupportedMediaType, "doesn't match its type");
        await Refused(await TestPortal.UploadAsync(client, [0x4D, 0x5A, 0x90, 0x00], contentType: "application/x-msdownload", fileName: "x.exe"), HttpStatusCode.UnsupportedMediaType, "PDF");
        await Refused(await TestPortal.UploadAsync(client, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], contentType: "image/jpeg", fileName: "x.jpg"), HttpStatusCode.UnsupportedMediaType, "doesn't match");
        await Refused(await TestPortal.UploadAsync(client, "a\0b"u8.ToArray(), contentType: "text/plain", fileName: "x.txt"), HttpStatusCode.UnsupportedMediaType, "doesn't match");
        await Refused(await TestPortal.UploadAsync(client, TestPortal.Pdf(300_001)), HttpStatusCode.RequestEntityTooLarge, "limit");
        // A body longer than the largest upload plus room for the fields is refused by the server before any field is
        // read; it is still the size limit, not a broken upload.
        await Refused(await TestPortal.UploadAsync(client, TestPortal.Pdf(300_000 + 1024 * 1024 + 1)), HttpStatusCode.RequestEntityTooLarge, "limit");
        await Refused(await TestPortal.UploadAsync(client, []), HttpStatusCode.BadRequest, "empty");
        await Refused(await TestPortal.UploadAsync(client, TestPortal.Pdf(100), category: "discharge-summary"), HttpStatusCode.BadRequest, "category");
        await Refused(await TestPortal.UploadAsync(client, TestPortal.Pdf(100), title: " "), HttpStatusCode.BadRequest, "title");
        await Refused(await client.PostAsync("/api/v1/documents", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType, "multipart");

        using (var fileFirst = new MultipartFormDataContent())
        {
            var part = new ByteArrayContent(TestPortal.Pdf(100));
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
            fileFirst.Add(part, "file", "a.pdf");
            fileFirst.Add(new StringContent("Title"), "title");
            await Refused(await client.PostAsync("/api/v1/documents", fileFirst), HttpStatusCode.BadRequest, "category");
        }
        using (var truncated = new StringContent("--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nT\r\n--b\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nother\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 cut off"))
        {
            truncated.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
            await Refused(await client.PostAsync("/api/v1/documents", truncated), HttpStatusCode.BadRequest, "cut off");
        }

        // Quota: two 300 kB uploads fit in 700 kB, a third does not.
        Assert.Equal(HttpStatusCode.Created, (await TestPortal.UploadAsync(client, TestPortal.Pdf(290_000))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await TestPortal.UploadAsync(client, TestPortal.Pdf(290_000))).StatusCode);
        await Refused(await TestPortal.UploadAsync(client, TestPortal.Pdf(290_000)), HttpStatusCode.RequestEntityTooLarge, "enough room");

        await _portal.WithScopeAsync(async sp =>
        {
            Assert.Equal(2, await sp.GetRequiredService<KaitiakiDb>().Documents.CountAsync());
            var store = sp.GetRequiredService<IDocumentStore>();
            var blobs = new List<string>();
            await foreach (var blob in store.ListAsync(CancellationToken.None))
            {
                blobs.Add(blob);
            }
            Assert.Equal(2, blobs.Count);
            Assert.Empty(Directory.Exists(Path.Combine(_portal.DataDirectory, "documents", ".staging"))
                ? Directory.GetFiles(Path.Combine(_portal.DataDirectory, "documents", ".staging"))
                : []);
            return 0;
        });
    }
}

internal static class ResponsesMatch
{
    /// <summary>Status, headers and body agree, apart from the per-request trace id and date.</summary>
    public static async Task AssertSameAsync(HttpResponseMessage expected, HttpResponseMessage actual)
    {
        Assert.Equal(expected.StatusCode, actual.StatusCode);
        static string Headers(HttpResponseMessage r) => string.Join("\n", r.Headers.Concat(r.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Content-Length"))
            .OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        Assert.Equal(Headers(expected), Headers(actual));
        static async Task<string> Body(HttpResponseMessage r)
        {
            var text = await r.Content.ReadAsStringAsync();
            if (text.Length == 0)
            {
                return text;
            }
            var json = System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject();
            json.Remove("traceId");
            return json.ToJsonString();
        }
        Assert.Equal(await Body(expected), await Body(actual));
    }
}
