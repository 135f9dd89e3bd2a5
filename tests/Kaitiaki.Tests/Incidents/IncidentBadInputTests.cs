using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// Bad input to the incidents API. Each case gets a clear error that says what was wrong, and changes nothing: no
/// incident, version, freeze or timeline entry appears, and what was stored before is as it was.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IncidentBadInputTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    private async Task<(HttpClient Client, Guid Incident)> IncidentAsync()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var client = await _portal.SignInApiAsync(manager);
        var opened = await client.PostAsJsonAsync("/api/v1/incidents", new { title = "Test incident", awareAt = _portal.Clock.GetUtcNow().UtcDateTime });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        return (client, (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    private Task<(int Versions, int Entries, int Incidents, int Frozen)> StoredAsync(Guid incident) =>
        _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return (await db.ScopeVersions.CountAsync(v => v.IncidentId == incident), await db.TimelineEntries.CountAsync(t => t.IncidentId == incident),
                await db.Incidents.CountAsync(), await db.ScopeVersions.CountAsync(v => v.IncidentId == incident && v.FrozenAt != null));
        });

    private static async Task<string> ProblemAsync(HttpResponseMessage answer, HttpStatusCode expected)
    {
        Assert.Equal(expected, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task A_window_that_is_missing_empty_or_inverted_is_refused_and_no_version_is_made()
    {
        var (client, incident) = await IncidentAsync();
        var before = await StoredAsync(incident);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;

        var inverted = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from = now, to = now.AddHours(-1) }),
            HttpStatusCode.BadRequest);
        Assert.Contains("empty or inverted", inverted);
        var empty = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from = now, to = now }), HttpStatusCode.BadRequest);
        Assert.Contains("empty or inverted", empty);
        var missing = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from = now }), HttpStatusCode.BadRequest);
        Assert.Contains("\"to\"", missing);
        // Not JSON at all: the framework's own 400, and still nothing stored.
        var garbage = await client.PostAsync($"/api/v1/incidents/{incident}/scopes", new StringContent("{from: yesterday", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        Assert.Equal(before, await StoredAsync(incident));
    }

    [Fact]
    public async Task An_unknown_account_or_session_is_named_and_no_version_is_made()
    {
        var (client, incident) = await IncidentAsync();
        var before = await StoredAsync(incident);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        var stranger = Guid.NewGuid();

        var account = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, accountIds = new[] { stranger } }), HttpStatusCode.BadRequest);
        Assert.Contains($"No account has the id {stranger}", account);
        var session = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, sessionIds = new[] { stranger } }), HttpStatusCode.BadRequest);
        Assert.Contains($"No session has the id {stranger}", session);

        Assert.Equal(before, await StoredAsync(incident));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("203.0.113")]
    [InlineData("010.0.0.1")]
    [InlineData("not-an-address")]
    [InlineData("2001:db8::/129")]
    [InlineData("203.0.113.0/-1")]
    public async Task A_malformed_address_or_network_is_refused_with_an_example(string network)
    {
        var (client, incident) = await IncidentAsync();
        var before = await StoredAsync(incident);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;

        var detail = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, ips = new[] { "127.0.0.1", network } }), HttpStatusCode.BadRequest);
        Assert.Contains("CIDR", detail);
        Assert.Contains("203.0.113.0/24", detail);

        Assert.Equal(before, await StoredAsync(incident));
    }

    [Fact]
    public async Task Actions_and_modules_that_are_not_document_reads_are_refused()
    {
        var (client, incident) = await IncidentAsync();
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        var action = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, actions = new[] { "download", "SignIn" } }), HttpStatusCode.BadRequest);
        Assert.Contains("\"SignIn\" is not an action that discloses documents", action);
        var everything = await ProblemAsync(await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, excludeModules = new[] { "documents" } }), HttpStatusCode.BadRequest);
        Assert.Contains("excludes every action", everything);
        Assert.Equal(0, (await StoredAsync(incident)).Versions);

        // The spellings people use all read as the same action.
        var fine = await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes",
            new { from = now.AddDays(-1), to = now, actions = new[] { "download", "documents.download", "DocumentDownloaded", "72" } });
        Assert.Equal(HttpStatusCode.Created, fine.StatusCode);
    }

    [Fact]
    public async Task Freezing_twice_is_a_conflict_and_the_first_freeze_stands()
    {
        var (client, incident) = await IncidentAsync();
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from = now.AddDays(-1), to = now })).StatusCode);
        var frozen = await client.PostAsync($"/api/v1/incidents/{incident}/scopes/1/freeze", null);
        Assert.Equal(HttpStatusCode.OK, frozen.StatusCode);
        var frozenAt = (await frozen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("frozenAt").GetDateTime();
        var before = await StoredAsync(incident);
        _portal.Clock.Advance(TimeSpan.FromMinutes(3));

        var again = await ProblemAsync(await client.PostAsync($"/api/v1/incidents/{incident}/scopes/1/freeze", null), HttpStatusCode.Conflict);
        Assert.Contains("frozen already", again);
        var missing = await ProblemAsync(await client.PostAsync($"/api/v1/incidents/{incident}/scopes/9/freeze", null), HttpStatusCode.NotFound);
        Assert.Contains("no scope version 9", missing);

        Assert.Equal(before, await StoredAsync(incident));
        var stored = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ScopeVersions.SingleAsync(v => v.IncidentId == incident));
        Assert.Equal(frozenAt, stored.FrozenAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Versions_of_different_incidents_cannot_be_compared()
    {
        var (client, first) = await IncidentAsync();
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/incidents/{first}/scopes", new { from = now.AddDays(-1), to = now })).StatusCode);
        var second = (await (await client.PostAsJsonAsync("/api/v1/incidents", new { title = "Another", awareAt = now })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/incidents/{second}/scopes", new { from = now.AddDays(-1), to = now })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/incidents/{second}/scopes", new { from = now.AddDays(-2), to = now })).StatusCode);

        // The first incident has only version 1; its "version 2" is the other incident's, and is not reachable from here.
        var detail = await ProblemAsync(await client.GetAsync($"/api/v1/incidents/{first}/scopes/1/compare/2"), HttpStatusCode.NotFound);
        Assert.Contains("within one incident", detail);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/incidents/{second}/scopes/1/compare/2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/incidents/{Guid.NewGuid()}/scopes/1/compare/1")).StatusCode);
    }

    [Fact]
    public async Task Opening_an_incident_needs_a_title_and_a_time_of_awareness_not_in_the_future()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var client = await _portal.SignInApiAsync(manager);
        var before = await StoredAsync(Guid.Empty);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;

        Assert.Contains("title", await ProblemAsync(await client.PostAsJsonAsync("/api/v1/incidents", new { title = " ", awareAt = now }), HttpStatusCode.BadRequest));
        Assert.Contains("aware", await ProblemAsync(await client.PostAsJsonAsync("/api/v1/incidents", new { title = "No time" }), HttpStatusCode.BadRequest));
        Assert.Contains("future", await ProblemAsync(await client.PostAsJsonAsync("/api/v1/incidents", new { title = "Later", awareAt = now.AddDays(1) }),
            HttpStatusCode.BadRequest));
        Assert.Contains("security alert", await ProblemAsync(await client.PostAsJsonAsync("/api/v1/incidents",
            new { title = "From nothing", awareAt = now, alertId = Guid.NewGuid() }), HttpStatusCode.BadRequest));

        Assert.Equal(before.Incidents, (await StoredAsync(Guid.Empty)).Incidents);
    }

    [Fact]
    public async Task Only_incident_managers_reach_incidents_and_only_a_practices_reviewers_reach_its_list()
    {
        var (_, incident) = await IncidentAsync();
        var practice = await _portal.CreatePracticeAsync("Review Rights Practice");
        var analyst = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var patient = await _portal.CreatePatientAsync(practice);
        foreach (var user in new[] { analyst, clinician, patient })
        {
            using var client = await _portal.SignInApiAsync(user);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/incidents/{incident}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/incidents", new { title = "x", awareAt = DateTime.UtcNow })).StatusCode);
        }
        // A clinician is staff but not a reviewer: the practice's list answers as if there were none.
        using (var client = await _portal.SignInApiAsync(clinician))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/patients")).StatusCode);
        }
        // A practice administrator of another practice too.
        var elsewhere = await _portal.CreatePracticeAsync("Elsewhere Practice");
        var administrator = await _portal.CreateStaffAsync(elsewhere, StaffRole.PracticeAdministrator);
        using (var client = await _portal.SignInApiAsync(administrator))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/patients")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/review",
                new { version = 1, approve = true })).StatusCode);
        }
    }

    [Fact]
    public async Task A_review_with_no_version_a_draft_to_approve_or_a_flag_without_a_reason_records_nothing()
    {
        var (client, incident) = await IncidentAsync();
        var practice = await _portal.CreatePracticeAsync("Draft Review Practice");
        var officer = await _portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from = now.AddDays(-1), to = now })).StatusCode);
        using var po = await _portal.SignInApiAsync(officer);
        var review = $"/api/v1/practices/{practice.Id}/incidents/{incident}/review";

        Assert.Contains("version", await ProblemAsync(await po.PostAsJsonAsync(review, new { approve = true }), HttpStatusCode.BadRequest));
        Assert.Contains("still a draft", await ProblemAsync(await po.PostAsJsonAsync(review, new { version = 1, approve = true }), HttpStatusCode.BadRequest));
        Assert.Contains("no scope version 4", await ProblemAsync(await po.PostAsJsonAsync(review, new { version = 4, approve = false }), HttpStatusCode.BadRequest));
        var stranger = Guid.NewGuid();
        Assert.Contains("not among your practice's patients", await ProblemAsync(await po.PostAsJsonAsync(review,
            new { version = 1, flags = new[] { new { patientId = stranger, reason = "x" } } }), HttpStatusCode.BadRequest));

        var stored = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return (await db.PracticeApprovals.CountAsync(a => a.IncidentId == incident), await db.VulnerableFlags.CountAsync(f => f.IncidentId == incident));
        });
        Assert.Equal((0, 0), stored);
    }

    [Fact]
    public void Filters_read_networks_and_times_as_people_write_them()
    {
        Assert.True(ScopeFilter.TryNetwork("203.0.113.77/24", out var network));
        Assert.Equal("203.0.113.0/24", network);
        Assert.True(ScopeFilter.TryNetwork("::ffff:203.0.113.9", out network));
        Assert.Equal("203.0.113.9/32", network);
        Assert.True(ScopeFilter.TryNetwork("2001:db8::1/48", out network));
        Assert.Equal("2001:db8::/48", network);

        // A time with no zone is New Zealand time: 9 am on 2 December 2026 is 8 pm on the 1st in UTC (summer time).
        Assert.True(ScopeFilter.TryRead(new ScopeRequest(new DateTime(2026, 12, 2, 9, 0, 0), new DateTime(2026, 12, 2, 10, 0, 0)), out var filter, out _));
        Assert.Equal(new DateTime(2026, 12, 1, 20, 0, 0, DateTimeKind.Utc), filter.From);
        var json = filter.ToJson();
        Assert.Equal(filter.From, ScopeFilter.FromJson(json).From);
        Assert.Equal(filter.Actions, ScopeFilter.FromJson(json).Actions);
    }
}
