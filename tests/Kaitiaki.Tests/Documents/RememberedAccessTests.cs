using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// Downloads answer from remembered access decisions (sessions and document decisions kept between requests). These
/// tests warm that memory, take access away (here, or "elsewhere": through a database context with its own revision
/// counter, as the command line or another server would), and check the very next download is refused and that no
/// download was recorded for it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RememberedAccessTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Session_revoked_here_fails_on_its_next_download()
    {
        var (patient, client, documentId) = await PatientWithDocumentAsync();
        await WarmAsync(client, documentId);
        var other = await _portal.SignInApiAsync(patient);
        var sessions = await other.GetFromJsonAsync<JsonElement>("/api/v1/me/sessions");
        var first = sessions.EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await other.DeleteAsync($"/api/v1/me/sessions/{first}")).StatusCode);

        await AssertRefusedWithoutDownloadAsync(client, documentId, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Session_revoked_elsewhere_fails_on_its_next_download()
    {
        var (patient, client, documentId) = await PatientWithDocumentAsync();
        await WarmAsync(client, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            foreach (var session in await db.Sessions.Where(s => s.AccountId == patient.AccountId).ToListAsync())
            {
                session.RevokedAt = _portal.Clock.GetUtcNow().UtcDateTime;
                session.RevokedReason = "security team";
            }
            await db.SaveChangesAsync();
        });

        await AssertRefusedWithoutDownloadAsync(client, documentId, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Account_locked_elsewhere_keeps_its_live_session_and_downloads()
    {
        var (patient, client, documentId) = await PatientWithDocumentAsync();
        await WarmAsync(client, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            var account = await db.Users.SingleAsync(a => a.Id == patient.AccountId);
            account.LockoutEnd = _portal.Clock.GetUtcNow().AddHours(1);
            await db.SaveChangesAsync();
        });

        // A lockout pauses new sign-ins only: a live session is not ended by it (anyone could otherwise end it by guessing).
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{documentId}/content")).StatusCode);
    }

    [Fact]
    public async Task Proxy_whose_grant_is_revoked_elsewhere_gets_not_found_on_the_next_download()
    {
        var (patient, _, documentId) = await PatientWithDocumentAsync();
        var proxy = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync("Riverside Health"));
        var grant = await GrantAsync(proxy, patient, expiresAt: null);
        var proxyClient = await _portal.SignInApiAsync(proxy);
        await WarmAsync(proxyClient, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            (await db.ProxyGrants.SingleAsync(g => g.Id == grant.Id)).RevokedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });

        await AssertRefusedWithoutDownloadAsync(proxyClient, documentId, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_range_that_cannot_be_met_does_not_reveal_the_size_to_someone_whose_grant_was_revoked_elsewhere()
    {
        var (patient, _, documentId) = await PatientWithDocumentAsync();
        var proxy = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync("Riverside Health"));
        var grant = await GrantAsync(proxy, patient, expiresAt: null);
        var proxyClient = await _portal.SignInApiAsync(proxy);
        await WarmAsync(proxyClient, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            (await db.ProxyGrants.SingleAsync(g => g.Id == grant.Id)).RevokedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/documents/{documentId}/content");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(999_999_999, null);
        var response = await proxyClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentRange);
        Assert.DoesNotContain("20000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_whose_grant_lapses_gets_not_found_with_no_change_in_the_database()
    {
        var (patient, _, documentId) = await PatientWithDocumentAsync();
        var proxy = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync("Riverside Health"));
        // Signing in moves the test clock on by an authenticator step or two.
        await GrantAsync(proxy, patient, expiresAt: _portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(10));
        var proxyClient = await _portal.SignInApiAsync(proxy);
        await WarmAsync(proxyClient, documentId);

        _portal.Clock.Advance(TimeSpan.FromMinutes(10));

        await AssertRefusedWithoutDownloadAsync(proxyClient, documentId, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Clinician_of_the_practice_a_patient_leaves_elsewhere_gets_not_found_on_the_next_download()
    {
        var hillStreet = await _portal.CreatePracticeAsync("Hill Street Surgery");
        var harbour = await _portal.CreatePracticeAsync("Harbour Medical");
        var patient = await _portal.CreatePatientAsync(hillStreet);
        var documentId = await TestPortal.UploadedIdAsync(await _portal.SignInApiAsync(patient), TestPortal.Pdf(20_000));
        var clinician = await _portal.CreateStaffAsync(hillStreet, StaffRole.Clinician);
        var clinicianClient = await _portal.SignInApiAsync(clinician);
        await WarmAsync(clinicianClient, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            var today = DateOnly.FromDateTime(_portal.Clock.GetUtcNow().UtcDateTime);
            (await db.Enrolments.SingleAsync(e => e.PatientId == patient.PatientId && e.EndedOn == null)).EndedOn = today;
            db.Enrolments.Add(new Enrolment { PatientId = patient.PatientId!.Value, PracticeId = harbour.Id, StartedOn = today });
            await db.SaveChangesAsync();
        });

        await AssertRefusedWithoutDownloadAsync(clinicianClient, documentId, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Document_deleted_elsewhere_is_not_served_from_memory()
    {
        var (_, client, documentId) = await PatientWithDocumentAsync();
        await WarmAsync(client, documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            (await db.Documents.SingleAsync(d => d.Id == documentId)).DeletedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });

        await AssertRefusedWithoutDownloadAsync(client, documentId, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_change_to_someone_elses_access_only_makes_a_download_decide_again()
    {
        var (_, client, documentId) = await PatientWithDocumentAsync();
        var (stranger, _, _) = await PatientWithDocumentAsync();
        await WarmAsync(client, documentId);
        var before = await DownloadsOfAsync(documentId);

        await _portal.ElsewhereAsync(async db =>
        {
            foreach (var session in await db.Sessions.Where(s => s.AccountId == stranger.AccountId).ToListAsync())
            {
                session.RevokedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            }
            await db.SaveChangesAsync();
        });

        var response = await client.GetAsync($"/api/v1/documents/{documentId}/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestPortal.Pdf(20_000), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(before + 1, await DownloadsOfAsync(documentId));
    }

    [Fact]
    public async Task Concurrent_downloads_are_each_recorded_once_on_an_intact_chain()
    {
        var (_, client, documentId) = await PatientWithDocumentAsync();
        var before = await DownloadsOfAsync(documentId);

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.GetAsync($"/api/v1/documents/{documentId}/content")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(before + 40, await DownloadsOfAsync(documentId));
        var verified = await _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None));
        Assert.True(verified.Intact, verified.Message);
    }

    [Fact]
    public async Task Writer_refuses_an_event_whose_access_revision_has_moved_and_records_nothing()
    {
        var writer = _portal.Services.GetRequiredService<AuditWriter>();
        var current = await _portal.WithScopeAsync(sp => sp.GetRequiredService<AccessRevisions>().ReadAsync(sp.GetRequiredService<KaitiakiDb>(), CancellationToken.None));
        var stale = NewEvent();
        stale.RestsOnRevision = current - 1;
        var fresh = NewEvent();
        fresh.RestsOnRevision = current;

        await Assert.ThrowsAsync<StaleAccessException>(() => writer.SaveAsync(stale));
        await writer.SaveAsync(fresh);

        var saved = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.Id == stale.Id || e.Id == fresh.Id).Select(e => e.Id).ToListAsync());
        Assert.Equal([fresh.Id], saved);
    }

    [Fact]
    public async Task Writer_fails_only_the_event_that_cannot_be_saved()
    {
        var writer = _portal.Services.GetRequiredService<AuditWriter>();
        var first = NewEvent();
        await writer.SaveAsync(first);
        // The same id again breaks the primary key; it is queued with good events so they may share its batch.
        var duplicate = NewEvent();
        duplicate.Id = first.Id;
        var good = Enumerable.Range(0, 10).Select(_ => NewEvent()).ToList();

        var saves = good.Select(e => writer.SaveAsync(e)).Prepend(writer.SaveAsync(duplicate)).ToList();
        await Assert.ThrowsAnyAsync<Exception>(() => saves[0]);
        await Task.WhenAll(saves.Skip(1));

        var ids = good.Select(e => e.Id).ToList();
        Assert.Equal(10, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.CountAsync(e => ids.Contains(e.Id))));
        var verified = await _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None));
        Assert.True(verified.Intact, verified.Message);
    }

    [Fact]
    public async Task Access_revision_moves_with_access_changes_and_not_with_reads_sign_ins_or_last_seen_touches()
    {
        var (_, client, documentId) = await PatientWithDocumentAsync();
        var start = await _portal.AccessRevisionAsync();

        // Reads, lists and last-seen touches change nobody's access.
        await WarmAsync(client, documentId);
        _portal.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{documentId}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/documents")).StatusCode);
        Assert.Equal(start, await _portal.AccessRevisionAsync());

        // Signing in makes a new session and a wrong password counts a failure; neither takes anyone's access away. (A
        // wrong password moved the revision until AccountStore saved only the account's changed columns.) Nor does the
        // failure that locks the account: a lockout pauses new sign-ins and ends no session.
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var beforeSignIns = await _portal.AccessRevisionAsync();
        await _portal.SignInApiAsync(patient);
        await _portal.SignInApiAsync(patient);
        Assert.Equal(beforeSignIns, await _portal.AccessRevisionAsync());
        for (var attempt = 1; attempt < 5; attempt++)
        {
            await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = "not the password" });
        }
        Assert.Equal(beforeSignIns, await _portal.AccessRevisionAsync());
        await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = "not the password" });
        Assert.Equal(beforeSignIns, await _portal.AccessRevisionAsync());
        start = beforeSignIns;

        // Hiding a document changes it; signing out revokes a session.
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/v1/documents/{documentId}/hide", null)).StatusCode);
        Assert.Equal(start + 1, await _portal.AccessRevisionAsync());
        Assert.True((await client.PostAsync("/api/v1/auth/logout", null)).IsSuccessStatusCode);
        Assert.Equal(start + 2, await _portal.AccessRevisionAsync());
    }

    private async Task<(TestUser Patient, HttpClient Client, Guid DocumentId)> PatientWithDocumentAsync()
    {
        var (patient, client, ids) = await _portal.PatientWithDocumentsAsync(1);
        return (patient, client, ids[0]);
    }

    private Task<ProxyGrant> GrantAsync(TestUser proxy, TestUser patient, DateTime? expiresAt) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .GrantProxyAsync(proxy.AccountId, patient.PatientId!.Value, ProxyReason.NamedByPatient, expiresAt, CancellationToken.None));

    /// <summary>Two downloads: the first remembers the session and the decision, the second is answered from memory.</summary>
    private static async Task WarmAsync(HttpClient client, Guid documentId)
    {
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{documentId}/content")).StatusCode);
        }
    }

    private async Task AssertRefusedWithoutDownloadAsync(HttpClient client, Guid documentId, HttpStatusCode expected)
    {
        var before = await DownloadsOfAsync(documentId);
        var response = await client.GetAsync($"/api/v1/documents/{documentId}/content");
        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain("%PDF", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await DownloadsOfAsync(documentId));
    }

    private Task<int> DownloadsOfAsync(Guid documentId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.ResourceId == documentId && e.Action == AuditAction.DocumentDownloaded));


    private AuditEvent NewEvent() => new()
    {
        OccurredAt = AuditEvent.TrimToMicroseconds(_portal.Clock.GetUtcNow().UtcDateTime),
        Action = AuditAction.AuditTrailViewed,
        Client = "test",
    };
}
