using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Incidents;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The incident manager's forms given bad input, as a browser without JavaScript sends it. Each kind of bad input is
/// answered on the same page with an error summary that says what to fix and links to the field, and nothing is saved:
/// no incident, no scope version, no freeze, no timeline entry.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IncidentFormsTests(ObservedPortal fixture) : IClassFixture<ObservedPortal>
{
    private readonly TestPortal _portal = fixture.Portal;

    [Fact]
    public async Task Opening_an_incident_needs_a_title_and_a_time_of_awareness_that_is_a_time_and_not_in_the_future()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var web = await _portal.SignInWebAsync(manager);
        var before = await CountAsync(db => db.Incidents);
        var soon = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddHours(-2));

        // No title: the title field is named.
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = " ", ["awareAt"] = soon }, null, "Give the incident a title", "#title");
        // No time of awareness: the Commissioner's clock needs one.
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = "Downloads", ["awareAt"] = "" }, null, "Say when the operator became aware", "#awareAt");
        // Words, or an impossible date, are not a time.
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = "Downloads", ["awareAt"] = "yesterday" }, null, "Enter the time of awareness as a date and time", "#awareAt");
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = "Downloads", ["awareAt"] = "2026-13-45 09:00" }, null, "Enter the time of awareness as a date and time", "#awareAt");
        // Tomorrow has not happened.
        var tomorrow = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddDays(1));
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = "Downloads", ["awareAt"] = tomorrow }, null, "The time of awareness is in the future", "#awareAt");
        // A title longer than the store keeps.
        await AssertRefusedAsync(web, "/operator/incidents", new() { ["title"] = new string('x', 201), ["awareAt"] = soon }, null, "Keep the title to 200 characters", "#title");

        Assert.Equal(before, await CountAsync(db => db.Incidents));

        var opened = await WebForms.PostAsync(web, "/operator/incidents", new Dictionary<string, string> { ["title"] = "Downloads", ["awareAt"] = soon });
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal(before + 1, await CountAsync(db => db.Incidents));
    }

    [Fact]
    public async Task The_scope_form_refuses_an_empty_missing_or_inverted_window_and_saves_no_version()
    {
        var (web, incident, page) = await IncidentAsync();
        var start = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddHours(-3));
        var end = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddHours(-1));

        // Each end of the window missing, or not a time, is named by its field.
        await AssertRefusedAsync(web, page, new() { ["from"] = "", ["to"] = end }, "Run", "Say when the window starts", "#from");
        await AssertRefusedAsync(web, page, new() { ["from"] = start, ["to"] = " " }, "Run", "Say when the window ends", "#to");
        await AssertRefusedAsync(web, page, new() { ["from"] = "last Tuesday", ["to"] = end }, "Run", "Enter the start of the window as a date and time", "#from");
        await AssertRefusedAsync(web, page, new() { ["from"] = start, ["to"] = "31/02/2026 9:00" }, "Run", "Enter the end of the window as a date and time", "#to");
        // An inverted window, and an empty one (both ends the same minute), are ScopeFilter's own check.
        await AssertRefusedAsync(web, page, new() { ["from"] = end, ["to"] = start }, "Run", "The window is empty or inverted", "#to");
        await AssertRefusedAsync(web, page, new() { ["from"] = start, ["to"] = start }, "Run", "The window is empty or inverted", "#to");

        Assert.Empty(await IncidentPagesData.VersionsAsync(_portal, incident.Id));
    }

    [Fact]
    public async Task The_scope_form_refuses_an_account_or_session_that_does_not_exist_and_saves_no_version()
    {
        var (web, incident, page) = await IncidentAsync();
        var (from, to) = Window();
        var nobody = Guid.NewGuid();

        // An id the portal never issued: Scoping's own check, pointed at the accounts field.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["accounts"] = nobody.ToString() }, "Run", $"No account has the id {nobody}", "#accounts");
        // The same in the list to leave out.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["excludeAccounts"] = nobody.ToString() }, "Run", $"No account has the id {nobody}", "#excludeAccounts");
        // An e-mail address no account has.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["accounts"] = "nobody@example.nz" }, "Run", "No account has the e-mail address nobody@example.nz", "#accounts");
        // Neither an id nor an address.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["accounts"] = "bob" }, "Run", "\"bob\" is not an account id or an e-mail address", "#accounts");
        // A session that is not an id, and one the trail has never seen.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["sessions"] = "abc" }, "Run", "\"abc\" is not a session id", "#sessions");
        var noSession = Guid.NewGuid();
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["sessions"] = noSession.ToString() }, "Run", $"No session has the id {noSession}", "#sessions");

        Assert.Empty(await IncidentPagesData.VersionsAsync(_portal, incident.Id));
    }

    [Fact]
    public async Task The_scope_form_refuses_a_malformed_address_or_network_and_impossible_actions_and_saves_no_version()
    {
        var (web, incident, page) = await IncidentAsync();
        var (from, to) = Window();

        // A prefix longer than the address, three parts of an address, and words.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["ips"] = "203.0.113.0/33" }, "Run", "\"203.0.113.0/33\" is not an address or a network in CIDR form", "#ips");
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["ips"] = "203.0.113.0/24\n10.0.0" }, "Run", "\"10.0.0\" is not an address or a network in CIDR form", "#ips");
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["excludeIps"] = "office" }, "Run", "\"office\" is not an address or a network in CIDR form", "#excludeIps");
        // Leaving out the whole documents module leaves nothing a scope could find.
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["excludeModules"] = "documents" }, "Run", "excludes every action that discloses documents", "#excludeModules");
        // A forged action or module (the form offers only real ones).
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["actions"] = "delete" }, "Run", "\"delete\" is not an action that discloses documents", "#actions");
        await AssertRefusedAsync(web, page, new() { ["from"] = from, ["to"] = to, ["modules"] = "appointments" }, "Run", "\"appointments\" is not a module a scope can cover", "#modules");

        Assert.Empty(await IncidentPagesData.VersionsAsync(_portal, incident.Id));
    }

    [Fact]
    public async Task Freezing_a_version_twice_says_it_is_frozen_already_and_changes_nothing()
    {
        var (web, incident, page) = await IncidentAsync();
        var (from, to) = Window();
        var ran = await WebForms.PostAsync(web, page, new Dictionary<string, string> { ["from"] = from, ["to"] = to }, "Run");
        Assert.Equal(HttpStatusCode.Redirect, ran.StatusCode);
        Assert.Equal($"/operator/incidents/{incident.Id}/scope?done=ran&v=1#versions", ran.Headers.Location!.OriginalString);

        // The freeze button asks first, saying a frozen version never changes.
        var confirm = await (await web.GetAsync($"{page}?freeze=1")).Content.ReadAsStringAsync();
        Assert.Contains("A frozen version never changes", confirm, StringComparison.Ordinal);
        Assert.Contains("Yes, freeze version 1", confirm, StringComparison.Ordinal);

        var frozen = await WebForms.PostAsync(web, page, new Dictionary<string, string> { ["version"] = "1" }, "Freeze");
        Assert.Equal(HttpStatusCode.Redirect, frozen.StatusCode);
        var first = Assert.Single(await IncidentPagesData.VersionsAsync(_portal, incident.Id));
        Assert.NotNull(first.FrozenAt);

        _portal.Clock.Advance(TimeSpan.FromMinutes(5));
        // Freezing again: an error on the page, and the version, its review deadline and the timeline stay as they were.
        await AssertRefusedAsync(web, page, new() { ["version"] = "1" }, "Freeze", "Version 1 was frozen already", null);
        // A version that does not exist.
        await AssertRefusedAsync(web, page, new() { ["version"] = "7" }, "Freeze", "This incident has no scope version 7", null);
        // The confirmation is not offered again for a frozen version.
        var again = await web.GetAsync($"{page}?freeze=1");
        Assert.Contains("Version 1 was frozen already", await WebForms.ErrorSummaryAsync(again), StringComparison.Ordinal);
        Assert.DoesNotContain("Yes, freeze version 1", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var after = Assert.Single(await IncidentPagesData.VersionsAsync(_portal, incident.Id));
        Assert.Equal(first.FrozenAt, after.FrozenAt);
        Assert.Equal(first.ReviewDueAt, after.ReviewDueAt);
        Assert.Equal(first.FrozenBy, after.FrozenBy);
        Assert.Equal(1, await CountAsync(db => db.TimelineEntries.Where(t => t.IncidentId == incident.Id && t.Kind == TimelineKind.Freeze)));
    }

    [Fact]
    public async Task Timeline_harm_agency_and_contact_forms_refuse_what_they_cannot_keep_and_save_nothing()
    {
        var (web, incident, _) = await IncidentAsync();
        var id = incident.Id;
        var entries = await CountAsync(db => db.TimelineEntries.Where(t => t.IncidentId == id));
        var now = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime);
        var later = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddDays(2));

        var timeline = $"/operator/incidents/{id}/timeline";
        await AssertRefusedAsync(web, timeline, new() { ["at"] = now, ["text"] = "Rang Health NZ" }, null, "Choose what kind of entry", "#kind");
        await AssertRefusedAsync(web, timeline, new() { ["kind"] = "opened", ["at"] = now, ["text"] = "Forged" }, null, "Choose what kind of entry", "#kind");
        await AssertRefusedAsync(web, timeline, new() { ["kind"] = "call", ["at"] = now, ["text"] = "  " }, null, "the entry needs some words", "#text");
        await AssertRefusedAsync(web, timeline, new() { ["kind"] = "call", ["at"] = "soon", ["text"] = "Rang Health NZ" }, null, "Enter when it happened", "#at");
        await AssertRefusedAsync(web, timeline, new() { ["kind"] = "decision", ["at"] = later, ["text"] = "Notify" }, null, "That time is in the future", "#at");

        var harm = $"/operator/incidents/{id}/harm";
        await AssertRefusedAsync(web, harm, new() { ["factor"] = "sensitivity", ["finding"] = "", ["reason"] = "Letters" }, null, "Write the finding", "#finding-sensitivity");
        await AssertRefusedAsync(web, harm, new() { ["factor"] = "sensitivity", ["finding"] = "Highly sensitive", ["reason"] = " " }, null, "Give the reason", "#reason-sensitivity");
        await AssertRefusedAsync(web, harm, new() { ["factor"] = "colour", ["finding"] = "x", ["reason"] = "y" }, null, "Save one of the six factors", null);

        var agencies = $"/operator/incidents/{id}/agencies";
        await AssertRefusedAsync(web, agencies, new() { ["at"] = now }, "Agency", "Choose the agency you contacted", "#agency");
        await AssertRefusedAsync(web, agencies, new() { ["agency"] = "other", ["otherName"] = "", ["at"] = now }, "Agency", "Give the other agency's name", "#otherName");
        await AssertRefusedAsync(web, agencies, new() { ["agency"] = "privacy-commissioner", ["at"] = later }, "Agency", "That time is in the future", "#at");
        await AssertRefusedAsync(web, agencies, new() { ["agency"] = "police", ["at"] = "whenever" }, "Agency", "Enter when you contacted them", "#at");
        await AssertRefusedAsync(web, agencies, new() { ["contactEmail"] = "not an address" }, "Contact", "Enter the e-mail address in the form name@example.nz", "#contactEmail");

        Assert.Equal(entries, await CountAsync(db => db.TimelineEntries.Where(t => t.IncidentId == id)));
        Assert.Equal(0, await CountAsync(db => db.HarmAssessments.Where(h => h.IncidentId == id)));
        Assert.Equal(0, await CountAsync(db => db.AgencyContacts.Where(a => a.IncidentId == id)));
        var stored = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Incidents.AsNoTracking().SingleAsync(i => i.Id == id));
        Assert.Null(stored.CommissionerNotifiedAt);
        Assert.Null(stored.ContactEmail);
    }

    [Fact]
    public async Task Incident_pages_are_for_incident_managers_only()
    {
        var practice = await _portal.CreatePracticeAsync();
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager, "Only for incident managers");
        var others = new[]
        {
            await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst),
            await _portal.CreateOperatorAsync(OperatorRole.SupportAgent),
            await _portal.CreateStaffAsync(practice, Kaitiaki.Practices.StaffRole.PrivacyOfficer),
            await _portal.CreatePatientAsync(practice),
        };
        foreach (var user in others)
        {
            using var web = await _portal.SignInWebAsync(user);
            foreach (var path in new[] { "/operator/incidents", $"/operator/incidents/{incident.Id}", $"/operator/incidents/{incident.Id}/scope", $"/operator/incidents/{incident.Id}/compare?a=1&b=2" })
            {
                var response = await web.GetAsync(path);
                Assert.True(response.StatusCode is HttpStatusCode.Forbidden
                            || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal)),
                    $"{user.Role} got {(int)response.StatusCode} for {path}");
                Assert.DoesNotContain("Only for incident managers", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        using var managerWeb = await _portal.SignInWebAsync(manager);
        Assert.Equal(HttpStatusCode.NotFound, (await managerWeb.GetAsync($"/operator/incidents/{Guid.NewGuid()}")).StatusCode);
    }

    private async Task<(HttpClient Web, Incident Incident, string ScopePage)> IncidentAsync()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        return (await _portal.SignInWebAsync(manager), incident, $"/operator/incidents/{incident.Id}/scope");
    }

    private (string From, string To) Window()
    {
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        return (IncidentPagesData.IncidentTime(now.AddHours(-3)), IncidentPagesData.IncidentTime(now.AddMinutes(1)));
    }

    private Task<int> CountAsync<T>(Func<KaitiakiDb, IQueryable<T>> rows) => _portal.WithScopeAsync(sp => rows(sp.GetRequiredService<KaitiakiDb>()).CountAsync());

    /// <summary>Posts the form and expects the same page back (200) with an error summary saying <paramref name="says"/>, linked to <paramref name="field"/>.</summary>
    private static async Task AssertRefusedAsync(HttpClient web, string page, Dictionary<string, string> fields, string? handler, string says, string? field)
    {
        var response = await WebForms.PostAsync(web, page, fields, handler);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await WebForms.ErrorSummaryAsync(response);
        Assert.True(summary is not null && summary.Contains(says, StringComparison.Ordinal), $"Expected \"{says}\", got \"{summary}\"");
        if (field is not null)
        {
            Assert.Contains($"<a href=\"{field}\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
