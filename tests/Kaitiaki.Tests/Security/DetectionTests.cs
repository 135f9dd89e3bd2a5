using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>The detector's rules at their default limits, containment and undo, switches and canaries, on one shared portal.</summary>
public sealed class DetectionTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private TestPortal Portal => shared.Portal;

    [Fact]
    public async Task Probing_other_ids_is_contained_at_the_seventh_refusal_and_not_before()
    {
        var (_, prober, own) = await Portal.PatientWithDocumentsAsync(1);
        var (_, _, foreign) = await Portal.PatientWithDocumentsAsync(1);
        // Ordinary use first, so the share of refusals stays under half and only their count can trip a rule.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await prober.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);
        }
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await prober.GetAsync($"/api/v1/documents/{foreign[0]}/content")).StatusCode);
        }
        var seventh = await prober.GetAsync($"/api/v1/documents/{foreign[0]}/content");
        Assert.Equal(HttpStatusCode.Forbidden, seventh.StatusCode);
        var body = await seventh.Content.ReadAsStringAsync();
        Assert.Contains("paused while we check something", body, StringComparison.Ordinal);
        Assert.DoesNotContain("prob", body, StringComparison.OrdinalIgnoreCase);
        // Contained: the session has ended, so even the patient's own document is refused now.
        Assert.Equal(HttpStatusCode.Unauthorized, (await prober.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);

        var alert = await AlertForAsync(prober, "probing");
        Assert.Equal("high", alert.GetProperty("severity").GetString());
        var kinds = alert.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["revoke-session", "suspend-account"], kinds);
        Assert.True(alert.GetProperty("evidenceEventIds").GetArrayLength() >= 16);
        await AssertAuditedWithEvidenceAsync(alert);
    }

    [Fact]
    public async Task Mostly_refused_requests_ask_for_the_second_factor_again_and_giving_it_carries_on()
    {
        var (patient, prober, own) = await Portal.PatientWithDocumentsAsync(1);
        var (_, _, foreign) = await Portal.PatientWithDocumentsAsync(1);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await prober.GetAsync($"/api/v1/documents/{foreign[0]}")).StatusCode);
        }
        var fourth = await prober.GetAsync($"/api/v1/documents/{foreign[0]}");
        Assert.Equal(HttpStatusCode.Unauthorized, fourth.StatusCode);
        Assert.Contains("insufficient_user_authentication", fourth.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await prober.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);

        var wrong = await prober.PostAsJsonAsync("/api/v1/auth/step-up", new { method = "totp", code = "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var right = await prober.PostAsJsonAsync("/api/v1/auth/step-up", new { method = "totp", code = Portal.NextTotp(patient) });
        Assert.Equal(HttpStatusCode.NoContent, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await prober.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);

        var alert = await AlertForAsync(prober, "probing-share");
        var action = alert.GetProperty("actions").EnumerateArray().Single();
        Assert.Equal("step-up", action.GetProperty("kind").GetString());
        Assert.NotNull(action.GetProperty("undoneAt").GetString());
    }

    [Fact]
    public async Task A_clinician_touching_more_than_eight_patients_in_five_minutes_is_contained()
    {
        var practice = await Portal.CreatePracticeAsync();
        var patients = new List<TestUser>();
        for (var i = 0; i < 9; i++)
        {
            patients.Add(await Portal.CreatePatientAsync(practice));
        }
        var clinician = await Portal.SignInApiAsync(await Portal.CreateStaffAsync(practice, StaffRole.Clinician));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"/api/v1/documents?patientId={patients[i].PatientId}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await clinician.GetAsync($"/api/v1/documents?patientId={patients[8].PatientId}")).StatusCode);
        var alert = await AlertForAsync(clinician, "bulk-patients");
        Assert.True(alert.GetProperty("contained").GetBoolean());
    }

    [Fact]
    public async Task A_decoy_patient_contains_the_first_reader_and_is_listed_like_anyone_else()
    {
        var practice = await Portal.CreatePracticeAsync();
        await Portal.CreatePatientAsync(practice);
        var analyst = await AnalystAsync();
        var planted = await analyst.PostAsJsonAsync("/api/v1/security/canaries", new { practiceId = practice.Id });
        Assert.Equal(HttpStatusCode.Created, planted.StatusCode);
        var canary = await planted.Content.ReadFromJsonAsync<JsonElement>();
        var decoyId = canary.GetProperty("patientId").GetGuid();
        Assert.Equal(2, canary.GetProperty("documentIds").GetArrayLength());

        var staff = await Portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var clinician = await Portal.SignInApiAsync(staff);
        var read = await clinician.GetAsync($"/api/v1/documents?patientId={decoyId}");
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        var alert = await AlertForAsync(clinician, "canary");
        Assert.Equal("high", alert.GetProperty("severity").GetString());

        // Bad input changes nothing: no practice, or one that does not exist.
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync("/api/v1/security/canaries", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsJsonAsync("/api/v1/security/canaries", new { practiceId = Guid.NewGuid() })).StatusCode);
    }

    [Fact]
    public async Task An_analyst_ends_a_session_its_next_request_fails_and_undo_leaves_it_ended()
    {
        var (_, patient, own) = await Portal.PatientWithDocumentsAsync(1);
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);
        var sessions = await patient.GetFromJsonAsync<JsonElement>("/api/v1/me/sessions");
        var sessionId = sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
        var analyst = await AnalystAsync();

        var taken = await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "revoke-session", sessionId });
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        var actionId = (await taken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsync($"/api/v1/security/actions/{actionId}/undo", null)).StatusCode);
        // An ended session is never brought back: the person signs in again.
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);

        // Undoing twice, or something that does not exist, says so and changes nothing.
        var twice = await analyst.PostAsync($"/api/v1/security/actions/{actionId}/undo", null);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("already undone", await twice.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsync($"/api/v1/security/actions/{Guid.NewGuid()}/undo", null)).StatusCode);

        var events = await Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ResourceId == actionId).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditAction.ContainmentApplied, AuditAction.ContainmentUndone], events);
    }

    [Fact]
    public async Task Downloads_switched_off_for_one_practice_answer_calmly_while_everything_else_works()
    {
        var (first, firstClient, firstDocs) = await PatientAtNewPracticeAsync();
        var (_, secondClient, secondDocs) = await PatientAtNewPracticeAsync();
        var practiceId = await Portal.WithScopeAsync(sp => sp.GetRequiredService<PatientAccess>().CurrentPracticeAsync(first.PatientId!.Value, CancellationToken.None));
        var analyst = await AnalystAsync();

        var off = await analyst.PutAsJsonAsync("/api/v1/security/switches/documents.download", new { enabled = false, practiceId });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        var paused = await firstClient.GetAsync($"/api/v1/documents/{firstDocs[0]}/content");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, paused.StatusCode);
        Assert.Contains("Downloads are paused while we check something. Your documents are safe.", await paused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await firstClient.GetAsync("/api/v1/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await secondClient.GetAsync($"/api/v1/documents/{secondDocs[0]}/content")).StatusCode);

        var switches = await analyst.GetFromJsonAsync<JsonElement>("/api/v1/security/switches");
        var download = switches.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "documents.download");
        Assert.Equal(practiceId, download.GetProperty("offForPractices").EnumerateArray().Single().GetGuid());
        Assert.False(download.GetProperty("offForEveryone").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents.download", new { enabled = true, practiceId })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await firstClient.GetAsync($"/api/v1/documents/{firstDocs[0]}/content")).StatusCode);
    }

    [Fact]
    public async Task Uploads_switched_off_for_everyone_are_refused_with_their_own_words_and_back_on_work()
    {
        var (_, client, _) = await PatientAtNewPracticeAsync();
        var analyst = await AnalystAsync();
        Assert.Equal(HttpStatusCode.OK, (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents.upload", new { enabled = false })).StatusCode);
        try
        {
            var refused = await TestPortal.UploadAsync(client, TestPortal.Pdf(5000));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("Adding documents is paused", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents.upload", new { enabled = true })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Created, (await TestPortal.UploadAsync(client, TestPortal.Pdf(5000))).StatusCode);
    }

    [Fact]
    public async Task Bad_requests_to_the_security_api_say_what_is_wrong_and_change_nothing()
    {
        var analyst = await AnalystAsync();
        var before = await Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.CountAsync());

        var unknown = await analyst.PutAsJsonAsync("/api/v1/security/switches/documents.shred", new { enabled = false });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("documents.download", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents", new { practiceId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents", new { enabled = false, practiceId = Guid.NewGuid() })).StatusCode);

        foreach (var network in new[] { "203.0.113.0/20", "203.0.113", "not an address", "203.0.113.0/24/8", "" })
        {
            var block = await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "block-source", network });
            Assert.Equal(HttpStatusCode.BadRequest, block.StatusCode);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "shred" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "suspend-account", accountId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "revoke-session", sessionId = Guid.NewGuid() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await analyst.PostAsJsonAsync("/api/v1/security/actions", new { kind = "block-source", network = "203.0.113.9", minutes = 0 })).StatusCode);

        Assert.Equal(before, await Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.CountAsync()));
    }

    [Fact]
    public async Task Only_security_analysts_may_use_the_security_api()
    {
        var (_, patient, _) = await Portal.PatientWithDocumentsAsync(0);
        var support = await Portal.SignInApiAsync(await Portal.CreateOperatorAsync(OperatorRole.SupportAgent));
        var manager = await Portal.SignInApiAsync(await Portal.CreateOperatorAsync(OperatorRole.IncidentManager));
        foreach (var client in new[] { patient, support, manager })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/security/alerts")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync("/api/v1/security/switches/documents", new { enabled = false })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await Portal.NewClient().GetAsync("/api/v1/security/alerts")).StatusCode);
    }

    private async Task<(TestUser Patient, HttpClient Client, List<Guid> Ids)> PatientAtNewPracticeAsync() => await Portal.PatientWithDocumentsAsync(1);

    private async Task<HttpClient> AnalystAsync() => await Portal.SignInApiAsync(await Portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

    /// <summary>The alert of that rule raised for the account behind this client, as the API shows it.</summary>
    private async Task<JsonElement> AlertForAsync(HttpClient client, string rule)
    {
        var accountId = (await Portal.WithScopeAsync(async sp =>
        {
            var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
            var hash = Secrets.HashToken(token);
            return await sp.GetRequiredService<KaitiakiDb>().Sessions.AsNoTracking().Where(s => s.TokenHash == hash).Select(s => s.AccountId).SingleAsync();
        })).ToString("N");
        var alerts = await (await AnalystAsync()).GetFromJsonAsync<JsonElement>("/api/v1/security/alerts");
        return alerts.EnumerateArray().Single(a => a.GetProperty("rule").GetString() == rule && a.GetProperty("principal").GetString() == $"account:{accountId}");
    }

    private async Task AssertAuditedWithEvidenceAsync(JsonElement alert)
    {
        var actionIds = alert.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList();
        var events = await Portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.Action == AuditAction.ContainmentApplied && e.ResourceId != null && actionIds.Contains(e.ResourceId.Value)).ToListAsync());
        Assert.Equal(actionIds.Count, events.Count);
        var evidence = alert.GetProperty("evidenceEventIds").EnumerateArray().Select(e => e.GetGuid()).ToList();
        Assert.All(events, e =>
        {
            Assert.Equal(evidence, e.ItemIds());
            Assert.Null(e.ActorAccountId);
            Assert.Equal("detector", e.Client);
        });
    }
}
