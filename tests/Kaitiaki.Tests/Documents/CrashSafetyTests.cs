using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Demo;
using Kaitiaki.Documents;
using Kaitiaki.Documents.Encryption;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// The real portal, killed with SIGKILL while several patients upload at once, again and again, and
/// started on the same data each time. What a patient was told was saved must be there and intact;
/// whatever was cut off may leave a stray blob, but never a record without its content.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Rounds = 50;
    private const int Patients = 5;
    private const int MaxUploadsPerRound = 200;
    private const int MaxDocumentBytes = 1024 * 1024;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record Upload(int Patient, Guid? Id, byte[] Sha256, HttpStatusCode? Status, string? Problem);

    [Fact]
    public async Task Uploads_answered_201_survive_the_portal_being_killed_mid_upload_and_no_record_loses_its_content()
    {
        var seed = Random.Shared.Next();
        output.WriteLine($"Seed {seed}");
        var random = new Random(seed);
        var data = Path.Combine(Path.GetTempPath(), "kaitiaki-crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        await using var database = await PortalDatabase.CreateAsync();
        string[] settings =
        [
            $"--Kaitiaki:DataDirectory={data}",
            "--environment=Test",
            .. TestCertificates.DataProtectionArgs,
            "--Kaitiaki:AuditCheckpointIntervalSeconds=1",
            // A fast machine may upload a lot in 50 rounds; a full quota would be a refusal, not a crash.
            "--Kaitiaki:Documents:PatientQuotaBytes=1099511627776",
            // Each check downloads every document at machine speed, as a harvest would; this test is about crashes, not detection.
            "--Kaitiaki:Detection:Mode=off",
            "--Logging:LogLevel:Default=Warning",
            .. database.Args,
        ];
        var staging = Path.Combine(data, "documents", ".staging");
        PortalProcess? portal = null;
        try
        {
            await RunVerbAsync("migrate", settings);
            await RunVerbAsync("demo-data", settings);
            portal = await PortalProcess.ServeAsync(settings, StartTimeout);
            var tokens = await SignInDemoPatientsAsync(portal, data);

            var saved = new Dictionary<Guid, Upload>();
            var savedThisRound = new Dictionary<Guid, Upload>();
            var refused = new List<Upload>();
            var cutOff = 0;
            for (var round = 1; round <= Rounds; round++)
            {
                var clients = tokens.Select(token => BearerClient(portal, token)).ToList();
                try
                {
                    var firstAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    var uploads = clients.Select((client, patient) => UploadUntilCutOffAsync(client, patient, new Random(random.Next()), firstAnswer)).ToList();
                    // Now and then while the first uploads after a start are still arriving; mostly once they are flowing.
                    if (random.Next(4) > 0)
                    {
                        await Task.WhenAny(firstAnswer.Task, Task.Delay(RequestTimeout));
                    }
                    await Task.Delay(random.Next(0, 600));
                    await portal.KillAsync();
                    foreach (var upload in (await Task.WhenAll(uploads)).SelectMany(u => u))
                    {
                        if (upload.Status is null)
                        {
                            cutOff++;
                        }
                        else if (upload.Id is { } id)
                        {
                            saved.Add(id, upload);
                            savedThisRound.Add(id, upload);
                        }
                        else
                        {
                            refused.Add(upload);
                        }
                    }
                }
                finally
                {
                    clients.ForEach(c => c.Dispose());
                }

                portal = await PortalProcess.ServeAsync(settings, StartTimeout);
                Assert.True(!Directory.Exists(staging) || Directory.GetFileSystemEntries(staging).Length == 0,
                    $"Round {round}: staging files were left after a restart: {string.Join(", ", Directory.GetFileSystemEntries(staging).Select(Path.GetFileName))}");
                await AssertDownloadIntactAsync(portal, tokens, savedThisRound, $"after kill {round}");
                savedThisRound.Clear();
            }
            // Nothing saved earlier was lost by a later kill.
            await AssertDownloadIntactAsync(portal, tokens, saved, "at the end");
            output.WriteLine($"{Rounds} kills: {saved.Count} uploads answered 201, {cutOff} cut off, {refused.Count} refused.");

            Assert.True(refused.Count == 0, "A live portal refused uploads it should have taken:\n"
                + string.Join("\n", refused.Select(r => $"{r.Status}: {r.Problem}")));
            // The test proves nothing unless kills landed between uploads that were answered and uploads that were not.
            Assert.True(saved.Count > 0, "No upload was ever answered 201.");
            Assert.True(cutOff > 0, "No upload was ever cut off by a kill.");

            await portal.KillAsync();
            await AssertStoreAndAuditTrailVerifyAsync(settings, saved.Keys);
        }
        finally
        {
            if (portal is not null)
            {
                await portal.DisposeAsync();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // Only a temporary folder is left behind.
            }
        }
    }

    private static async Task RunVerbAsync(string verb, string[] settings)
    {
        var (exitCode, text) = await PortalProcess.RunVerbAsync([verb, .. settings], TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"kaitiaki {verb} exited with {exitCode}:\n{text}");
    }

    /// <summary>Different demo patients, one sign-in each, so no authenticator code is used twice. Sessions are rows, so the tokens outlive restarts.</summary>
    private static async Task<List<string>> SignInDemoPatientsAsync(PortalProcess portal, string data)
    {
        var accounts = JsonSerializer.Deserialize<List<DemoAccount>>(
            await File.ReadAllTextAsync(Path.Combine(data, "demo-accounts.json")), JsonOptions)!;
        using var client = new HttpClient { BaseAddress = new Uri(portal.BaseUrl), Timeout = RequestTimeout };
        var tokens = new List<string>();
        foreach (var account in accounts.Where(a => a.Role == Roles.Patient).Take(Patients))
        {
            var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
            login.EnsureSuccessStatusCode();
            var challengeId = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("challengeId").GetString();
            var code = Totp.Code(account.TotpSecret, Totp.StepAt(DateTimeOffset.UtcNow));
            var mfa = await client.PostAsJsonAsync("/api/v1/auth/mfa", new { challengeId, method = "totp", code });
            mfa.EnsureSuccessStatusCode();
            tokens.Add((await mfa.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        }
        Assert.Equal(Patients, tokens.Count);
        return tokens;
    }

    private static HttpClient BearerClient(PortalProcess portal, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(portal.BaseUrl), Timeout = RequestTimeout };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Uploads one document after another until the portal stops answering.</summary>
    private static async Task<List<Upload>> UploadUntilCutOffAsync(HttpClient client, int patient, Random random, TaskCompletionSource firstAnswer)
    {
        var uploads = new List<Upload>();
        for (var i = 0; i < MaxUploadsPerRound; i++)
        {
            var content = TestPortal.Pdf(DocumentSize(random), random.Next());
            var sha = SHA256.HashData(content);
            using var form = new MultipartFormDataContent();
            form.Add(new StringContent($"Crash test {i}"), "title");
            form.Add(new StringContent("correspondence"), "category");
            var file = new ByteArrayContent(content);
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
            form.Add(file, "file", "letter.pdf");
            try
            {
                // Headers only: a 201 counts as soon as its status line and Location arrive, even if the kill cuts the body.
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/documents") { Content = form };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                firstAnswer.TrySetResult();
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
                    uploads.Add(new Upload(patient, id, sha, response.StatusCode, null));
                    continue;
                }
                uploads.Add(new Upload(patient, null, sha, response.StatusCode, await ReadProblemAsync(response)));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                uploads.Add(new Upload(patient, null, sha, null, null));
                break;
            }
        }
        return uploads;
    }

    private static async Task<string> ReadProblemAsync(HttpResponseMessage response)
    {
        try
        {
            return await response.Content.ReadAsStringAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "(cut off)";
        }
    }

    /// <summary>Small files, sizes on and either side of the cipher's segment boundaries, and large files up to 1 MB.</summary>
    private static int DocumentSize(Random random) => random.Next(3) switch
    {
        0 => random.Next(9, 16 * 1024),
        1 => DocumentCipher.SegmentSize * random.Next(1, 16) + random.Next(-1, 2),
        _ => random.Next(16 * 1024, MaxDocumentBytes + 1),
    };

    private static async Task AssertDownloadIntactAsync(PortalProcess portal, List<string> tokens, Dictionary<Guid, Upload> saved, string when)
    {
        var clients = tokens.Select(token => BearerClient(portal, token)).ToList();
        try
        {
            foreach (var (id, upload) in saved)
            {
                using var response = await clients[upload.Patient].GetAsync($"/api/v1/documents/{id}/content");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"Document {id}, answered 201, now answers {response.StatusCode} {when}.");
                var content = await response.Content.ReadAsByteArrayAsync();
                Assert.True(SHA256.HashData(content).AsSpan().SequenceEqual(upload.Sha256), $"Document {id} does not match what was sent {when}.");
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>What <c>kaitiaki documents verify</c> and <c>kaitiaki audit verify</c> do, in a host built the same way.</summary>
    private static async Task AssertStoreAndAuditTrailVerifyAsync(string[] settings, IEnumerable<Guid> saved)
    {
        var app = KaitiakiHost.Build(KaitiakiHost.CreateBuilder(settings));
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<DocumentMaintenance>().VerifyAsync(null, CancellationToken.None);
            Assert.True(report.RowsWithoutBlobs.Count == 0, "Records without content: " + string.Join(", ", report.RowsWithoutBlobs));
            Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
            Assert.True(report.Checked >= saved.Count(), $"{report.Checked} documents checked, fewer than the {saved.Count()} answered 201.");

            var audit = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None);
            Assert.True(audit.Intact, audit.Message);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
