using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kaitiaki.Documents.Encryption;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// What the encrypted store promises, seen through the running portal on a real socket: no plaintext on disk,
/// a key per document, a clear answer when the master key is missing, and never a byte that was not verified.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DocumentStorageTests : IAsyncLifetime
{
    private const int LargeSize = 270_000; // five 64 KiB segments, the last one short

    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync(kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Stored_blobs_hold_no_plaintext_and_every_document_has_its_own_data_key()
    {
        var (_, client) = await SignedInPatientAsync();
        var samePdfBody = "%PDF-1.7\n"u8.ToArray().Concat(Enumerable.Repeat((byte)'A', 100_000)).ToArray();
        var diary = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Kia ora. Blood pressure 120/80 this morning, feeling fine.\n", 2000)));
        var uploads = new List<(byte[] Content, string Type, string Name)>
        {
            (TestPortal.Pdf(1000, seed: 11), "application/pdf", "short.pdf"),
            (TestPortal.Pdf(70_000, seed: 12), "application/pdf", "two-segments.pdf"),
            (TestPortal.Pdf(LargeSize, seed: 13), "application/pdf", "large.pdf"),
            (samePdfBody, "application/pdf", "one-letter-repeated.pdf"),
            (diary, "text/plain", "diary.txt"),
            (diary, "text/plain", "diary-again.txt"), // the same content twice must still be stored differently
        };
        foreach (var (content, type, name) in uploads)
        {
            await UploadAsync(client, content, type, name);
        }

        var plaintextRuns = new HashSet<UInt128>();
        foreach (var (content, _, _) in uploads)
        {
            for (var i = 0; i + 16 <= content.Length; i++)
            {
                plaintextRuns.Add(Run(content, i));
            }
        }
        var blobs = Directory.GetFiles(Path.Combine(_portal.DataDirectory, "documents"), "*", SearchOption.AllDirectories);
        Assert.Equal(uploads.Count, blobs.Count(b => b.EndsWith(".kdoc", StringComparison.Ordinal)));
        foreach (var blob in blobs)
        {
            var bytes = await File.ReadAllBytesAsync(blob);
            for (var i = 0; i + 16 <= bytes.Length; i++)
            {
                Assert.False(plaintextRuns.Contains(Run(bytes, i)), $"{Path.GetFileName(blob)} holds 16 bytes of a document's plaintext at offset {i}.");
            }
        }

        var rows = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.AsNoTracking()
            .Select(d => new { d.KekId, d.WrappedKey }).ToListAsync());
        var masterKeys = _portal.Services.GetRequiredService<MasterKeys>();
        var dataKeys = rows.Select(r => Convert.ToHexString(masterKeys.Unwrap(r.KekId, r.WrappedKey!))).ToList();
        Assert.Equal(uploads.Count, dataKeys.Count);
        Assert.All(dataKeys, k => Assert.Equal(64, k.Length));
        Assert.Equal(dataKeys.Count, dataKeys.Distinct().Count());
    }

    [Fact]
    public async Task Without_the_master_key_a_download_fails_clearly_and_works_again_when_the_key_is_back()
    {
        var (token, client) = await SignedInPatientAsync();
        var pdf = TestPortal.Pdf(100_000, seed: 21);
        var id = await UploadAsync(client, pdf);
        var master = Path.Combine(_portal.Services.GetRequiredService<KaitiakiOptions>().KeysPath, "master");
        var away = master + "-away";

        // The upload left the key in the portal's memory, so restart it the way a server would be after losing the key folder.
        Directory.Move(master, away);
        _portal = await _portal.RestartAsync();
        client = _portal.BearerClient(token);

        var missing = await DownloadAsync(client, id);
        AssertProblem(missing, HttpStatusCode.ServiceUnavailable, pdf);
        Assert.Equal("Documents are unavailable", ProblemTitle(missing));
        Assert.False(Directory.Exists(master), "A download must never make a new master key.");

        // A key that could not be loaded is not remembered, so putting the folder back is enough: no second restart.
        Directory.Move(away, master);
        var back = await DownloadAsync(client, id);
        Assert.Equal(HttpStatusCode.OK, back.Status);
        Assert.Equal(pdf, back.Body);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("first segment")]
    public async Task A_byte_flipped_before_the_first_byte_is_sent_answers_with_a_problem(string where)
    {
        var (_, client) = await SignedInPatientAsync();
        var pdf = TestPortal.Pdf(LargeSize, seed: 31);
        var id = await UploadAsync(client, pdf);
        var offset = where == "header" ? 20 : DocumentCipher.HeaderSize + 1000;

        await FlipByteAsync(id, offset);

        AssertProblem(await DownloadAsync(client, id), HttpStatusCode.InternalServerError, pdf);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task A_byte_flipped_in_a_later_segment_cuts_the_download_off_after_the_verified_bytes(int segment)
    {
        var (_, client) = await SignedInPatientAsync();
        var pdf = TestPortal.Pdf(LargeSize, seed: 32);
        var id = await UploadAsync(client, pdf);

        await FlipByteAsync(id, DocumentCipher.HeaderSize + (long)segment * (DocumentCipher.SegmentSize + DocumentCipher.TagSize) + 500);

        var download = await DownloadAsync(client, id);
        Assert.True(download.CutOff, $"The download of a document damaged in segment {segment} was not cut off (status {download.Status}).");
        AssertOnlyVerifiedBytes(download, pdf);
        Assert.True(download.Body.Length <= segment * DocumentCipher.SegmentSize, "Bytes of the damaged segment were sent.");
    }

    [Fact]
    public async Task A_blob_cut_short_answers_with_a_problem()
    {
        var (_, client) = await SignedInPatientAsync();
        var pdf = TestPortal.Pdf(LargeSize, seed: 41);
        var id = await UploadAsync(client, pdf);
        var blob = await BlobPathAsync(id);

        await using (var file = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(file.Length - DocumentCipher.SegmentSize);
        }

        AssertProblem(await DownloadAsync(client, id), HttpStatusCode.InternalServerError, pdf);
    }

    [Fact]
    public async Task Swapping_two_documents_blobs_on_disk_makes_both_fail()
    {
        var (_, first) = await SignedInPatientAsync();
        var (_, second) = await SignedInPatientAsync();
        // The same size, so only the header's binding to the document (not the length check) can catch the swap.
        var firstPdf = TestPortal.Pdf(LargeSize, seed: 51);
        var secondPdf = TestPortal.Pdf(LargeSize, seed: 52);
        var firstId = await UploadAsync(first, firstPdf);
        var secondId = await UploadAsync(second, secondPdf);
        var firstBlob = await BlobPathAsync(firstId);
        var secondBlob = await BlobPathAsync(secondId);

        File.Move(firstBlob, firstBlob + ".swap");
        File.Move(secondBlob, firstBlob);
        File.Move(firstBlob + ".swap", secondBlob);

        AssertProblem(await DownloadAsync(first, firstId), HttpStatusCode.InternalServerError, firstPdf, secondPdf);
        AssertProblem(await DownloadAsync(second, secondId), HttpStatusCode.InternalServerError, firstPdf, secondPdf);
    }

    [Fact]
    public async Task Swapping_two_rows_wrapped_keys_in_the_database_makes_both_fail()
    {
        var (_, client) = await SignedInPatientAsync();
        var firstPdf = TestPortal.Pdf(LargeSize, seed: 61);
        var secondPdf = TestPortal.Pdf(LargeSize, seed: 62);
        var firstId = await UploadAsync(client, firstPdf);
        var secondId = await UploadAsync(client, secondPdf);

        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var rows = await db.Documents.AsNoTracking().Where(d => d.Id == firstId || d.Id == secondId)
                .Select(d => new { d.Id, d.KekId, d.WrappedKey }).ToDictionaryAsync(d => d.Id);
            var (a, b) = (rows[firstId], rows[secondId]);
            await db.Database.ExecuteSqlAsync($"""UPDATE "Documents" SET "WrappedKey" = {b.WrappedKey}, "KekId" = {b.KekId} WHERE "Id" = {a.Id}""");
            return await db.Database.ExecuteSqlAsync($"""UPDATE "Documents" SET "WrappedKey" = {a.WrappedKey}, "KekId" = {a.KekId} WHERE "Id" = {b.Id}""");
        });

        AssertProblem(await DownloadAsync(client, firstId), HttpStatusCode.InternalServerError, firstPdf, secondPdf);
        AssertProblem(await DownloadAsync(client, secondId), HttpStatusCode.InternalServerError, firstPdf, secondPdf);
    }

    private sealed record Download(HttpStatusCode? Status, string? ContentType, byte[] Body, bool CutOff);

    /// <summary>Reads the raw response as it arrives, keeping whatever came before the connection was cut.</summary>
    private static async Task<Download> DownloadAsync(HttpClient client, Guid id)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync($"/api/v1/documents/{id}/content", HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException)
        {
            return new Download(null, null, [], CutOff: true);
        }
        using (response)
        {
            var body = new MemoryStream();
            var buffer = new byte[8192];
            var cutOff = false;
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync();
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    body.Write(buffer, 0, read);
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                cutOff = true;
            }
            return new Download(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body.ToArray(), cutOff);
        }
    }

    /// <summary>An error with problem details, complete, and holding no run of any document's content.</summary>
    private static void AssertProblem(Download download, HttpStatusCode status, params byte[][] plaintexts)
    {
        Assert.Equal(status, download.Status);
        Assert.False(download.CutOff);
        Assert.Equal("application/problem+json", download.ContentType);
        var problem = JsonSerializer.Deserialize<JsonElement>(download.Body);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        var runs = plaintexts.SelectMany(p => Enumerable.Range(0, p.Length - 15).Select(i => Run(p, i))).ToHashSet();
        for (var i = 0; i + 16 <= download.Body.Length; i++)
        {
            Assert.False(runs.Contains(Run(download.Body, i)), "The problem answer holds document content.");
        }
    }

    private static string? ProblemTitle(Download download) => JsonSerializer.Deserialize<JsonElement>(download.Body).GetProperty("title").GetString();

    /// <summary>Whatever arrived is the start of the true content, and not all of it.</summary>
    private static void AssertOnlyVerifiedBytes(Download download, byte[] plaintext)
    {
        Assert.True(download.Status is null or HttpStatusCode.OK, $"Unexpected status {download.Status}.");
        Assert.True(download.Body.Length < plaintext.Length, "The whole document arrived although part of it was damaged.");
        Assert.True(plaintext.AsSpan(0, download.Body.Length).SequenceEqual(download.Body), "Bytes that differ from the true content were sent.");
    }

    private async Task<(string Token, HttpClient Client)> SignedInPatientAsync()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var token = await _portal.SignInTokenAsync(patient);
        return (token, _portal.BearerClient(token));
    }

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] content, string contentType = "application/pdf", string fileName = "letter.pdf")
    {
        var created = await TestPortal.UploadAsync(client, content, contentType, category: "report", fileName: fileName);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private Task<string> BlobPathAsync(Guid id) => _portal.WithScopeAsync(async sp =>
    {
        var name = await sp.GetRequiredService<KaitiakiDb>().Documents.Where(d => d.Id == id).Select(d => d.BlobName).SingleAsync();
        var path = Path.Combine(_portal.DataDirectory, "documents", name.Replace('/', Path.DirectorySeparatorChar));
        Assert.True(File.Exists(path), "The blob is not where the store keeps it: " + path);
        return path;
    });

    private async Task FlipByteAsync(Guid id, long offset)
    {
        await using var file = new FileStream(await BlobPathAsync(id), FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x01));
    }

    private static UInt128 Run(byte[] bytes, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(bytes.AsSpan(at, 16));
}
