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

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// What a scope trusts: the audit trail over its window, verified from the checkpoint before it; and what it never
/// counts: decoy patients, refused reads, and other people's reads.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScopeTrailTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() =>
        _portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Decoys_and_refused_reads_never_count_and_a_changed_event_in_the_window_is_said_loudly()
    {
        var practice = await _portal.CreatePracticeAsync("Trail Practice");
        var elsewhere = await _portal.CreatePracticeAsync("Not Their Practice");
        var patient = await _portal.CreatePatientAsync(practice);
        var stranger = await _portal.CreatePatientAsync(elsewhere);
        Guid document;
        Guid strangersDocument;
        using (var client = await _portal.SignInApiAsync(patient))
        {
            document = await TestPortal.UploadedIdAsync(client, TestPortal.Pdf(2_000));
        }
        using (var client = await _portal.SignInApiAsync(stranger))
        {
            strangersDocument = await TestPortal.UploadedIdAsync(client, TestPortal.Pdf(2_100));
        }
        var analyst = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        using var security = await _portal.SignInApiAsync(analyst);
        var planted = await (await security.PostAsJsonAsync("/api/v1/security/canaries", new { practiceId = practice.Id })).Content.ReadFromJsonAsync<JsonElement>();
        var decoy = planted.GetProperty("patientId").GetGuid();
        var decoyDocument = planted.GetProperty("documentIds")[0].GetGuid();
        var attacker = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var im = await _portal.SignInApiAsync(manager);
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditCheckpoints>().WriteHeadAsync(sp.GetRequiredService<KaitiakiDb>(), CancellationToken.None));

        var from = _portal.Clock.GetUtcNow().UtcDateTime;
        using (var stolen = await _portal.SignInApiAsync(attacker))
        {
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents/{document}/content")).StatusCode);
            // The decoy is listed and read as any patient would be (the detector only observes here) …
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents?patientId={decoy}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents/{decoyDocument}/content")).StatusCode);
            // … and a patient at another practice is refused, which disclosed nothing.
            Assert.Equal(HttpStatusCode.NotFound, (await stolen.GetAsync($"/api/v1/documents/{strangersDocument}/content")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stolen.GetAsync($"/api/v1/documents?patientId={stranger.PatientId}")).StatusCode);
        }
        var to = _portal.Clock.GetUtcNow().UtcDateTime.AddSeconds(1);
        var incident = (await (await im.PostAsJsonAsync("/api/v1/incidents", new { title = "Trail", awareAt = to })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("id").GetGuid();

        var clean = await ScopeAsync(im, incident, from, to, attacker.AccountId);
        Assert.True(clean.GetProperty("trailVerified").GetBoolean(), clean.GetProperty("trailMessage").GetString());
        Assert.Equal(1, clean.GetProperty("patients").GetInt32());
        Assert.Equal(1, clean.GetProperty("documents").GetInt32());
        var patients = await im.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident}/scopes/1/patients");
        Assert.Equal(patient.PatientId, Assert.Single(patients.EnumerateArray()).GetProperty("patientId").GetGuid());

        // Someone with the database changes one of the attacker's events inside the window.
        var changed = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var sequence = await db.AuditEvents.Where(e => e.ActorAccountId == attacker.AccountId && e.Action == AuditAction.DocumentDownloaded)
                .Select(e => e.Sequence).FirstAsync();
            await db.Database.ExecuteSqlAsync($"UPDATE \"AuditEvents\" SET \"Bytes\" = {1} WHERE \"Sequence\" = {sequence}");
            return sequence;
        });
        var tampered = await ScopeAsync(im, incident, from, to, attacker.AccountId);
        Assert.False(tampered.GetProperty("trailVerified").GetBoolean());
        Assert.Contains($"Event {changed}", tampered.GetProperty("trailMessage").GetString());
        Assert.Contains("changed after it was written", tampered.GetProperty("trailMessage").GetString());
        var timeline = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().TimelineEntries
            .Where(t => t.IncidentId == incident && t.Kind == Kaitiaki.Incidents.TimelineKind.ScopeVersion).Select(t => t.Text).ToListAsync());
        Assert.Contains(timeline, t => t.Contains("failed verification", StringComparison.Ordinal));
    }

    private static async Task<JsonElement> ScopeAsync(HttpClient client, Guid incident, DateTime from, DateTime to, Guid account)
    {
        var answer = await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from, to, accountIds = new[] { account } });
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        return await answer.Content.ReadFromJsonAsync<JsonElement>();
    }
}
