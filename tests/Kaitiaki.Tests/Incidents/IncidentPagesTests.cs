using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Incidents;
using Kaitiaki.Incidents.Pages;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The incident manager's pages over real data: a clinician's account downloads some patients' documents and lists
/// others' through the documents API, and the incident manager opens an incident, runs and compares scope versions,
/// and reads the clocks, the timeline and the pictures, every one of which says the same in words.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class IncidentPagesTests(ObservedPortal fixture) : IClassFixture<ObservedPortal>
{
    private readonly TestPortal _portal = fixture.Portal;

    [Fact]
    public async Task Running_a_scope_from_the_form_finds_exactly_the_clinicians_patients_and_every_page_names_the_version()
    {
        var breach = await IncidentPagesData.BreachAsync(_portal, "Whangaroa Health");
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var web = await _portal.SignInWebAsync(manager);
        var opened = await WebForms.PostAsync(web, "/operator/incidents", new Dictionary<string, string>
        {
            ["title"] = "Bulk downloads by one clinician", ["awareAt"] = IncidentPagesData.IncidentTime(breach.To),
        });
        var id = Guid.Parse(IncidentIdOf().Match(opened.Headers.Location!.OriginalString).Groups[1].Value);
        var (from, to) = IncidentPagesData.FormWindow(breach);

        // The clinician by e-mail address, as someone reading an alert would have it.
        var ran = await WebForms.PostAsync(web, $"/operator/incidents/{id}/scope", new Dictionary<string, string>
        {
            ["from"] = from, ["to"] = to, ["accounts"] = breach.Clinician.Email,
        }, "Run");
        Assert.Equal(HttpStatusCode.Redirect, ran.StatusCode);

        var version = Assert.Single(await IncidentPagesData.VersionsAsync(_portal, id));
        Assert.Equal(5, version.Patients);
        Assert.Equal(6, version.ContentDocuments);
        Assert.Equal(4, version.MetadataDocuments);
        Assert.True(version.TrailVerified);

        var scope = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{id}/scope?done=ran&v=1"));
        Assert.Contains("What it found is saved as version 1.", scope, StringComparison.Ordinal);
        Assert.Contains("data-version=\"1\"", scope, StringComparison.Ordinal);
        Assert.Contains("5 patients", scope, StringComparison.Ordinal);
        Assert.Contains("10 documents: 6 opened or downloaded, 4 only listed or viewed", scope, StringComparison.Ordinal);
        Assert.Contains($"Accounts: Staff Clinician ({breach.Clinician.AccountId.ToString("N")[..8]})", scope, StringComparison.Ordinal);

        var patients = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{id}/scope/1/patients"));
        Assert.Contains("<h1 class=\"govuk-heading-l\">Version 1: 5 patients</h1>", patients, StringComparison.Ordinal);
        Assert.Contains("Version 1: patients 1 to 5 of 5", patients, StringComparison.Ordinal);
        var nhis = await NhisAsync(breach.Everyone.Select(p => p.User.PatientId!.Value));
        Assert.All(nhis, nhi => Assert.Contains(nhi, patients, StringComparison.Ordinal));
        Assert.Equal(3, Regex.Count(patients, "The document itself was opened or downloaded"));
        Assert.Equal(2, Regex.Count(patients, "Only its details \\(title, date and size\\) were seen"));

        // The list is on the audit trail with the patients it showed.
        var listed = await EventsAsync(AuditAction.ScopePatientsListed, version.Id);
        Assert.Equal(breach.Everyone.Select(p => p.User.PatientId!.Value).Order(), AuditEvent.UnpackItems(Assert.Single(listed).Items).Order());
    }

    [Fact]
    public async Task The_overview_draws_patients_by_practice_and_accesses_over_time_with_containment_and_says_the_same_in_words()
    {
        var analyst = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var breach = await IncidentPagesData.BreachAsync(_portal, "Taipa Medical Centre", midway: () =>
            _portal.Services.GetRequiredService<Containment>().TakeAsync(
                new ContainmentOrder(ContainmentKind.BlockSource, "manual", Network: "198.51.100.0/24", For: TimeSpan.FromHours(1)),
                analyst.AccountId, null, CancellationToken.None));
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        var version = await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager,
            new ScopeRequest(breach.From, breach.To, AccountIds: [breach.Clinician.AccountId]));
        using var web = await _portal.SignInWebAsync(manager);

        var page = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{incident.Id}"));

        // Each picture is an image with a title and a description, and a table that says the same.
        AssertDescribedImage(page, "practices-chart", "practices-title", "practices-summary");
        AssertDescribedImage(page, "accesses-chart", "accesses-title", "accesses-summary");
        Assert.Contains("Version 1: affected patients by practice, when their data was read and now", page, StringComparison.Ordinal);
        Assert.Contains("Version 1's affected patients are tied to 1 practice", page, StringComparison.Ordinal);
        var practices = Section(page, "practices-table");
        Assert.Contains("Taipa Medical Centre", practices, StringComparison.Ordinal);
        Assert.Equal(["5", "5", "5 patients"], Numbers(practices));
        // Then and now are told apart by a pattern and by words, not by colour alone.
        Assert.Contains("fill=\"url(#practices-hatch)\"", page, StringComparison.Ordinal);
        Assert.Contains("5 then", page, StringComparison.Ordinal);
        Assert.Contains("5 now", page, StringComparison.Ordinal);

        // Accesses over time count exactly the events the version matched, and the containment is marked and listed.
        Assert.Contains($"Version 1 matched {version.EventsMatched} accesses of patients' documents", page, StringComparison.Ordinal);
        var accesses = Section(page, "accesses-table");
        Assert.Equal(version.EventsMatched, Numbers(accesses).Sum(long.Parse));
        Assert.Contains("One containment action was applied in the window; it is line 1 on the chart.", page, StringComparison.Ordinal);
        Assert.Contains("Blocked 198.51.100.0/24", Section(page, "accesses-containment"), StringComparison.Ordinal);
        Assert.Contains("class=\"kt-chart__alert\"", Section(page, "accesses-chart"), StringComparison.Ordinal);
        Assert.Contains("Line 1", accesses, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accesses_over_time_count_exactly_the_events_each_scope_matched_whatever_its_filter()
    {
        var breach = await IncidentPagesData.BreachAsync(_portal, "Mangonui Doctors");
        // Someone else at work in the same window, so that the filters have something to tell apart.
        var colleague = await _portal.CreateStaffAsync(breach.Practice, Kaitiaki.Practices.StaffRole.Clinician);
        using (var honest = await _portal.SignInApiAsync(colleague))
        {
            Assert.Equal(HttpStatusCode.OK, (await honest.GetAsync($"/api/v1/documents?patientId={breach.Listed[0].User.PatientId}")).StatusCode);
        }
        var to = _portal.Clock.GetUtcNow().UtcDateTime;
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        var requests = new[]
        {
            new ScopeRequest(breach.From, to),
            new ScopeRequest(breach.From, to, AccountIds: [breach.Clinician.AccountId]),
            new ScopeRequest(breach.From, to, ExcludeAccountIds: [breach.Clinician.AccountId]),
            new ScopeRequest(breach.From, to, AccountIds: [breach.Clinician.AccountId], Actions: ["download"]),
            new ScopeRequest(breach.From, to, ExcludeActions: ["list"]),
            new ScopeRequest(breach.From, to, ExcludeIps: ["203.0.113.0/24"], Clients: ["api"]),
            new ScopeRequest(breach.From, to, Ips: ["203.0.113.0/24"]),
        };
        var totals = new List<long>();
        foreach (var request in requests)
        {
            var version = await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager, request);
            var accesses = await _portal.WithScopeAsync(sp => sp.GetRequiredService<ScopeActivity>().AccessesAsync(version, CancellationToken.None));
            Assert.Equal(version.EventsMatched, accesses.Total);
            totals.Add(accesses.Total);
        }
        // The clinician listed five patients and downloaded six documents; the colleague listed one patient.
        Assert.Equal([12, 11, 1, 6, 6, 12, 0], totals);
    }

    [Fact]
    public async Task Comparing_two_versions_lists_the_patients_and_documents_added_and_removed_by_name_and_NHI()
    {
        var breach = await IncidentPagesData.BreachAsync(_portal, "Kaeo Family Health");
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager, new ScopeRequest(breach.From, breach.To, AccountIds: [breach.Clinician.AccountId]));
        // A narrower second version: only documents that were opened, so the patients whose documents were only listed drop out.
        var second = await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager,
            new ScopeRequest(breach.From, breach.To, AccountIds: [breach.Clinician.AccountId], ExcludeActions: ["list", "view"]));
        using var web = await _portal.SignInWebAsync(manager);
        var compare = $"/operator/incidents/{incident.Id}/compare";

        var page = WebUtility.HtmlDecode(await web.GetStringAsync($"{compare}?a=1&b=2"));

        Assert.Contains("<h1 class=\"govuk-heading-l\">Version 1 compared with version 2</h1>", page, StringComparison.Ordinal);
        Assert.Contains("Patients added: 0", page, StringComparison.Ordinal);
        Assert.Contains("Patients removed: 2", page, StringComparison.Ordinal);
        Assert.Contains("Documents added: 0", page, StringComparison.Ordinal);
        Assert.Contains("Documents removed: 4", page, StringComparison.Ordinal);
        var removed = Section(page, "patients-removed-list");
        foreach (var nhi in await NhisAsync(breach.Listed.Select(p => p.User.PatientId!.Value)))
        {
            Assert.Contains($"Test Patient, NHI <span class=\"kt-code\">{nhi}</span>", removed, StringComparison.Ordinal);
        }
        foreach (var nhi in await NhisAsync(breach.Downloaded.Select(p => p.User.PatientId!.Value)))
        {
            Assert.DoesNotContain(nhi, removed, StringComparison.Ordinal);
        }
        Assert.Equal(4, Regex.Count(Section(page, "documents-removed-list"), "<tr class=\"govuk-table__row\">") - 1);
        // The picture, and the table that says the same.
        AssertDescribedImage(page, "changes-chart", "changes-title", "changes-summary");
        Assert.Contains("From version 1 to version 2: 0 patients added and 2 removed, 0 documents added and 4 removed. 3 patients are in both.", page, StringComparison.Ordinal);
        Assert.Equal(["5", "3", "3", "0", "2", "10", "6", "6", "0", "4"], Numbers(Section(page, "changes-table")));
        Assert.Contains("fill=\"url(#changes-hatch)\"", page, StringComparison.Ordinal);
        Assert.Contains("stroke-dasharray=\"4 3\"", page, StringComparison.Ordinal);
        // Who was shown is on the audit trail.
        var listed = Assert.Single(await EventsAsync(AuditAction.ScopePatientsListed, second.Id));
        Assert.Equal(breach.Listed.Select(p => p.User.PatientId!.Value).Order(), AuditEvent.UnpackItems(listed.Items).Order());

        // Versions that cannot be compared say why, and show no patient.
        foreach (var (query, says) in new[]
                 {
                     ("a=1&b=1", "Choose two different versions"),
                     ("a=1&b=9", "This incident has no scope version 9."),
                     ("a=one&b=2", "Choose the two versions to compare."),
                     ("", "Choose the two versions to compare."),
                 })
        {
            var refused = await web.GetAsync($"{compare}?{query}");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains(says, await WebForms.ErrorSummaryAsync(refused), StringComparison.Ordinal);
            Assert.DoesNotContain("NHI", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_version_whose_audit_trail_did_not_verify_is_said_loudly_wherever_it_is_shown()
    {
        var breach = await IncidentPagesData.BreachAsync(_portal, "Totara North Surgery", downloaded: 1, listed: 1);
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        var request = new ScopeRequest(breach.From, breach.To, AccountIds: [breach.Clinician.AccountId]);
        var first = await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager, request);
        await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager, request);
        // What the verifier would have said of a trail someone had changed.
        await _portal.ElsewhereAsync(db => db.ScopeVersions.Where(v => v.Id == first.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.TrailVerified, false).SetProperty(v => v.TrailMessage, "Event 42's hash does not match its contents.")));
        using var web = await _portal.SignInWebAsync(manager);

        foreach (var path in new[]
                 {
                     $"/operator/incidents/{incident.Id}?version=1", $"/operator/incidents/{incident.Id}/scope", $"/operator/incidents/{incident.Id}/scope/1/patients",
                     $"/operator/incidents/{incident.Id}/compare?a=1&b=2", $"/operator/incidents/{incident.Id}/scope?freeze=1",
                 })
        {
            var page = WebUtility.HtmlDecode(await web.GetStringAsync(path));
            Assert.Contains("data-trail-warning=\"1\"", page, StringComparison.Ordinal);
            Assert.Contains("Warning: audit trail not verified", page, StringComparison.Ordinal);
            Assert.Contains("Version 1's counts may be wrong", page, StringComparison.Ordinal);
            Assert.Contains("The verifier said: Event 42's hash does not match its contents.", page, StringComparison.Ordinal);
            Assert.DoesNotContain("data-trail-warning=\"2\"", page, StringComparison.Ordinal);
        }
        Assert.Contains("Audit trail NOT verified", await web.GetStringAsync($"/operator/incidents/{incident.Id}/scope"), StringComparison.Ordinal);
        // The latest version verified, so the list of incidents does not warn about this one.
        var list = await web.GetStringAsync("/operator/incidents");
        Assert.Contains("Version 2 (draft): 2 patients", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_click_on_an_alert_opens_an_incident_titled_and_timed_from_it_and_a_second_click_opens_the_same_one()
    {
        var raisedAt = _portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(-40);
        var alert = new SecurityAlert
        {
            Rule = "bulk-documents", Severity = AlertSeverity.High, Principal = $"account:{Guid.NewGuid()}", RaisedAt = raisedAt,
            Summary = "40 documents in a minute", Contained = false,
        };
        await _portal.ElsewhereAsync(db =>
        {
            db.SecurityAlerts.Add(alert);
            return db.SaveChangesAsync();
        });
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var web = await _portal.SignInWebAsync(manager);

        var list = WebUtility.HtmlDecode(await web.GetStringAsync("/operator/incidents"));
        var row = Section(list, alert.Id.ToString(), "data-alert");
        Assert.Contains("Open an incident from this alert", row, StringComparison.Ordinal);
        Assert.Contains("40 documents in a minute", row, StringComparison.Ordinal);

        // "Change the details first" fills the form in from the alert.
        var prefilled = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents?alert={alert.Id}"));
        Assert.Contains("value=\"Many documents in a minute\"", prefilled, StringComparison.Ordinal);
        Assert.Contains($"value=\"{IncidentText.FormTime(raisedAt)}\"", prefilled, StringComparison.Ordinal);
        Assert.Contains($"name=\"alertId\" value=\"{alert.Id}\"", prefilled, StringComparison.Ordinal);

        var opened = await WebForms.PostAsync(web, "/operator/incidents", new Dictionary<string, string> { ["alert"] = alert.Id.ToString() }, "FromAlert");
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        var id = Guid.Parse(IncidentIdOf().Match(opened.Headers.Location!.OriginalString).Groups[1].Value);
        var incident = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Incidents.AsNoTracking().SingleAsync(i => i.Id == id));
        Assert.Equal("Many documents in a minute", incident.Title);
        Assert.Equal(raisedAt, incident.AwareAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(alert.Id, incident.AlertId);
        var overview = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{id}?done=opened"));
        Assert.Contains("The security alert <strong>Many documents in a minute</strong>", overview, StringComparison.Ordinal);
        Assert.Contains("Incident opened from a security alert.", overview, StringComparison.Ordinal);

        // A second click (or a second manager) reaches the same incident rather than opening another.
        var again = await WebForms.PostAsync(web, "/operator/incidents", new Dictionary<string, string> { ["alert"] = alert.Id.ToString() }, "FromAlert");
        Assert.Equal($"/operator/incidents/{id}", again.Headers.Location!.OriginalString);
        Assert.Equal(1, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Incidents.CountAsync(i => i.AlertId == alert.Id)));
        Assert.Contains($"href=\"/operator/incidents/{id}\"", Section(WebUtility.HtmlDecode(await web.GetStringAsync("/operator/incidents")), alert.Id.ToString(), "data-alert"), StringComparison.Ordinal);

        // The analysts' alert page says where the one click is.
        using var analyst = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));
        Assert.Contains("listed on their incidents page", await analyst.GetStringAsync($"/operator/security/alerts/{alert.Id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Commissioners_clock_counts_down_is_plainly_overdue_after_72_hours_and_stops_when_the_Commissioner_is_told()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager, "Clocks");
        var late = await _portal.WithScopeAsync(sp => sp.GetRequiredService<IncidentService>()
            .OpenAsync("Late", _portal.Clock.GetUtcNow().UtcDateTime.AddHours(-80), manager.AccountId, null, CancellationToken.None));
        using var web = await _portal.SignInWebAsync(manager);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;

        var page = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{incident.Id}"));
        var left = incident.AwareAt + IncidentService.CommissionerClock - now;
        // The page is drawn a moment after "now" was read, so it may be a second further on.
        Assert.Contains(new[] { left, left - TimeSpan.FromSeconds(1), left - TimeSpan.FromSeconds(2) }, l =>
            page.Contains($"data-seconds-left=\"{(long)Math.Floor(l.TotalSeconds)}\">{IncidentText.Left(l)}</span>", StringComparison.Ordinal));
        Assert.Matches("70 hours (59|5\\d) minutes left", IncidentText.Left(left));
        Assert.Contains("<script type=\"module\" src=\"/js/incident-clock.js", page, StringComparison.Ordinal);

        var overdue = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{late.Id}"));
        Assert.Contains("<strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>", overdue, StringComparison.Ordinal);
        Assert.Contains(IncidentText.Left(late.AwareAt + IncidentService.CommissionerClock - now), overdue, StringComparison.Ordinal);
        Assert.StartsWith("Overdue by 8 hours", IncidentText.Left(late.AwareAt + IncidentService.CommissionerClock - now), StringComparison.Ordinal);

        var told = await WebForms.PostAsync(web, $"/operator/incidents/{incident.Id}/agencies", new Dictionary<string, string>
        {
            ["agency"] = "privacy-commissioner", ["at"] = IncidentPagesData.IncidentTime(now), ["contactPerson"] = "Notifications team", ["reference"] = "OPC-2026-118",
        }, "Agency");
        Assert.Equal(HttpStatusCode.Redirect, told.StatusCode);
        var stopped = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{incident.Id}"));
        var section = Section(stopped, "clock-commissioner");
        Assert.Contains("Done", section, StringComparison.Ordinal);
        Assert.Matches("Notified .*, (1 hour|59 minutes) after awareness, within the 72 hours\\.", section);
        Assert.DoesNotContain("data-seconds-left", section, StringComparison.Ordinal);
        var agencies = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{incident.Id}/agencies"));
        Assert.Contains("The Privacy Commissioner", Section(agencies, "agency-contacts"), StringComparison.Ordinal);
        Assert.Contains("OPC-2026-118", agencies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Harm_findings_timeline_entries_and_the_contact_person_are_kept_and_earlier_findings_stay()
    {
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager, "Keeping the record");
        using var web = await _portal.SignInWebAsync(manager);
        var harm = $"/operator/incidents/{incident.Id}/harm";

        Assert.Equal(HttpStatusCode.Redirect, (await WebForms.PostAsync(web, harm, new Dictionary<string, string>
        {
            ["factor"] = "sensitivity", ["finding"] = "Discharge summaries were reached", ["reason"] = "The scope's content documents",
        })).StatusCode);
        _portal.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.Redirect, (await WebForms.PostAsync(web, harm, new Dictionary<string, string>
        {
            ["factor"] = "sensitivity", ["finding"] = "Discharge summaries and mental health letters were reached", ["reason"] = "Version 2 of the scope",
        })).StatusCode);
        var page = WebUtility.HtmlDecode(await web.GetStringAsync(harm));
        var factor = Section(page, "factor-sensitivity");
        Assert.Contains(">Discharge summaries and mental health letters were reached</textarea>", factor, StringComparison.Ordinal);
        Assert.Contains("Earlier findings (1)", factor, StringComparison.Ordinal);
        Assert.Contains("<dd class=\"govuk-summary-list__value\">Discharge summaries were reached</dd>", factor, StringComparison.Ordinal);
        Assert.Contains("1 of 6 factors have a finding.", page, StringComparison.Ordinal);

        var timeline = $"/operator/incidents/{incident.Id}/timeline";
        var at = IncidentPagesData.IncidentTime(_portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(-10));
        Assert.Equal(HttpStatusCode.Redirect, (await WebForms.PostAsync(web, timeline, new Dictionary<string, string>
        {
            ["kind"] = "call", ["at"] = at, ["text"] = "Rang Health NZ's security team about the downloads",
        })).StatusCode);
        var lines = WebUtility.HtmlDecode(await web.GetStringAsync(timeline));
        Assert.Contains("Rang Health NZ's security team about the downloads", lines, StringComparison.Ordinal);
        Assert.Contains(">Call</strong>", lines, StringComparison.Ordinal);
        Assert.Contains("Harm assessment: Whether the information is sensitive recorded.", lines, StringComparison.Ordinal);
        Assert.Contains("Incident opened.", lines, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await WebForms.PostAsync(web, $"/operator/incidents/{incident.Id}/agencies", new Dictionary<string, string>
        {
            ["contactName"] = "Aroha Te Whata", ["contactEmail"] = "privacy@kaitiaki.example.nz", ["contactPhone"] = "0800 555 010",
        }, "Contact")).StatusCode);
        var overview = WebUtility.HtmlDecode(await web.GetStringAsync($"/operator/incidents/{incident.Id}"));
        Assert.Contains("Aroha Te Whata, privacy@kaitiaki.example.nz, 0800 555 010", overview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_incident_page_records_what_was_looked_at_on_the_audit_trail()
    {
        var breach = await IncidentPagesData.BreachAsync(_portal, "Herekino Clinic", downloaded: 1, listed: 1);
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var incident = await IncidentPagesData.IncidentAsync(_portal, manager);
        var version = await IncidentPagesData.ScopeAsync(_portal, incident.Id, manager, new ScopeRequest(breach.From, breach.To, AccountIds: [breach.Clinician.AccountId]));
        using var web = await _portal.SignInWebAsync(manager);
        foreach (var tail in new[] { "", "/timeline", "/harm", "/agencies", "/scope", "/scope/1/patients" })
        {
            Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/operator/incidents/{incident.Id}{tail}")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/operator/incidents")).StatusCode);

        var viewed = await EventsAsync(AuditAction.IncidentViewed, incident.Id);
        Assert.All(viewed, e => Assert.Equal(manager.AccountId, e.ActorAccountId));
        // The timeline's count includes containment elsewhere on the portal, so only what each detail starts with is compared.
        Assert.Equal(["agencies and contact", "harm assessment", "overview", "scope", "timeline"], viewed.Select(e => e.Detail!.Split(';')[0]).Order(StringComparer.Ordinal));
        Assert.Contains(viewed, e => e.Detail == "overview; version 1");
        Assert.Single(await EventsAsync(AuditAction.ScopePatientsListed, version.Id));
        Assert.True(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .AnyAsync(e => e.Action == AuditAction.IncidentViewed && e.ActorAccountId == manager.AccountId && e.Detail!.StartsWith("list"))));
    }

    [GeneratedRegex("^/operator/incidents/([0-9a-f-]{36})")]
    private static partial Regex IncidentIdOf();

    private Task<List<string>> NhisAsync(IEnumerable<Guid> patientIds)
    {
        var ids = patientIds.ToList();
        return _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => ids.Contains(p.Id)).Select(p => p.Nhi).ToListAsync());
    }

    private Task<List<AuditEvent>> EventsAsync(AuditAction action, Guid resourceId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.Action == action && e.ResourceId == resourceId).ToListAsync());

    /// <summary>An SVG chart is an image whose title and description are on the page.</summary>
    internal static void AssertDescribedImage(string page, string id, string titleId, string summaryId)
    {
        var svg = Regex.Match(page, $"<svg [^>]*id=\"{id}\"[^>]*>");
        Assert.True(svg.Success, $"No chart {id}");
        Assert.Contains("role=\"img\"", svg.Value, StringComparison.Ordinal);
        Assert.Contains($"aria-labelledby=\"{titleId}\"", svg.Value, StringComparison.Ordinal);
        Assert.Contains($"aria-describedby=\"{summaryId}\"", svg.Value, StringComparison.Ordinal);
        Assert.Matches($"<title id=\"{titleId}\">[^<]+</title>", page);
        Assert.Matches($"<p class=\"govuk-body\" id=\"{summaryId}\">\\s*\\S", page);
    }

    /// <summary>The element with this id (or other attribute), up to its closing tag.</summary>
    internal static string Section(string page, string value, string attribute = "id")
    {
        var start = Regex.Match(page, $"<(\\w+)[^>]*\\s{attribute}=\"{Regex.Escape(value)}\"[^>]*>");
        Assert.True(start.Success, $"Nothing has {attribute}=\"{value}\"");
        var tag = start.Groups[1].Value;
        var depth = 0;
        foreach (Match m in Regex.Matches(page[start.Index..], $"<(/?){tag}[\\s>]"))
        {
            depth += m.Groups[1].Value == "/" ? -1 : 1;
            if (depth == 0)
            {
                return page.Substring(start.Index, m.Index + m.Length);
            }
        }
        return page[start.Index..];
    }

    /// <summary>The numbers in a table's numeric cells, in order.</summary>
    internal static List<string> Numbers(string table) =>
        Regex.Matches(table, "govuk-table__cell--numeric\"[^>]*>([^<]+)</td>").Select(m => m.Groups[1].Value.Trim().Replace(",", "", StringComparison.Ordinal)).ToList();
}
