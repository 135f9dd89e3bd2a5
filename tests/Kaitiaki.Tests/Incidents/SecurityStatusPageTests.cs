using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>One portal for the class with the detector only watching, since its clinicians read documents for incidents to find.</summary>
public sealed class StatusObservedPortal : IAsyncLifetime
{
    internal TestPortal Portal { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" });

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>
/// The patient's security status pages (<c>/patient/security</c> and its print view) and the banner on <c>/patient</c>,
/// for each status, for a proxy and the child they act for, and never for anyone else. Every incident in one portal
/// counts for every patient in it (a frozen version that leaves someone out makes them "not impacted"), so the
/// "no incident" case has a portal of its own.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SecurityStatusPageTests(StatusObservedPortal shared) : IClassFixture<StatusObservedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Impacted_patient_sees_each_document_when_it_was_first_accessed_and_how_much_was_seen()
    {
        var practice = await _portal.CreatePracticeAsync("Kerikeri Medical");
        var patient = await _portal.CreatePatientAsync(practice);
        var scenario = await StatusScenario.StartAsync(_portal, practice);
        var letter = await scenario.ShareAsync(patient.PatientId!.Value, "Discharge summary from the hospital", 1);
        var results = await scenario.ShareAsync(patient.PatientId.Value, "Blood test results", 2);
        // The clinician's account lists the patient's documents (both titles seen) and downloads the letter.
        await scenario.ReadThenScopeAsync([patient.PatientId.Value], [letter], freeze: true);

        var api = await StatusAsync(patient);
        Assert.Equal("impacted", api.GetProperty("status").GetString());
        var accessed = api.GetProperty("documents").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetGuid(), d => d.GetProperty("accessedAt").GetDateTime().ToUniversalTime());
        Assert.Equal(new[] { letter, results }.Order(), accessed.Keys.Order());
        var phrase = api.GetProperty("verificationPhrase").GetString()!;

        var web = await _portal.SignInWebAsync(patient);
        var before = await StatusEventsAsync(patient.AccountId);
        var page = await PageAsync(web, "/patient/security");
        Assert.Contains("govuk-tag--red\">Impacted<", page, StringComparison.Ordinal);
        Assert.Contains("Some of your documents were accessed in a security incident.", page, StringComparison.Ordinal);
        var letterRow = Row(page, "Discharge summary from the hospital");
        Assert.Contains(NzTime.DateAndTime(accessed[letter]), letterRow, StringComparison.Ordinal);
        Assert.Contains("The document itself was opened or downloaded", letterRow, StringComparison.Ordinal);
        var resultsRow = Row(page, "Blood test results");
        Assert.Contains(NzTime.DateAndTime(accessed[results]), resultsRow, StringComparison.Ordinal);
        Assert.Contains("Only its details (title, date and size) were seen", resultsRow, StringComparison.Ordinal);
        // What is being done and what they can do, the phrase, the helpline, and that notices carry no links.
        Assert.Contains("What we're doing", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/password\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/security\"", page, StringComparison.Ordinal);
        Assert.Contains(phrase, page, StringComparison.Ordinal);
        Assert.Contains("Kaitiaki's notices never contain links and never ask for a password.", page, StringComparison.Ordinal);
        Assert.Contains(new IncidentOptions().HelplineNumber, page, StringComparison.Ordinal);
        Assert.Contains($"href=\"/patient/security/print?patientId={patient.PatientId}\"", page, StringComparison.Ordinal);

        // One audited read of the status, naming the patient, for the page.
        var events = await StatusEventsAsync(patient.AccountId);
        var recorded = Assert.Single(events.Skip(before.Count));
        Assert.Equal(patient.PatientId, recorded.PatientId);
        Assert.Equal(AuditOutcome.Success, recorded.Outcome);

        // The home's red banner says the same in brief, with the documents and when, and links to the page.
        var home = await PageAsync(web, "/patient");
        var banner = Banner(home, patient.PatientId.Value);
        Assert.Contains("kt-status-banner--impacted", banner, StringComparison.Ordinal);
        Assert.Contains("Security status: Impacted", banner, StringComparison.Ordinal);
        Assert.Contains("Discharge summary from the hospital", banner, StringComparison.Ordinal);
        Assert.Contains(NzTime.DateAndTime(accessed[letter]), banner, StringComparison.Ordinal);
        Assert.Contains("The document itself was opened or downloaded", banner, StringComparison.Ordinal);
        Assert.Contains("never contain links and never ask for your password", banner, StringComparison.Ordinal);
        Assert.Contains("href=\"/patient/security\"", banner, StringComparison.Ordinal);
        Assert.Equal(before.Count + 2, (await StatusEventsAsync(patient.AccountId)).Count);
    }

    [Fact]
    public async Task Patient_left_out_of_a_frozen_version_sees_no_impact_in_green_and_nothing_to_do()
    {
        var practice = await _portal.CreatePracticeAsync("Paihia Family Doctors");
        var read = await _portal.CreatePatientAsync(practice);
        var untouched = await _portal.CreatePatientAsync(practice);
        var scenario = await StatusScenario.StartAsync(_portal, practice);
        await scenario.ShareAsync(read.PatientId!.Value, "Referral letter");
        await scenario.ShareAsync(untouched.PatientId!.Value, "X-ray report");
        await scenario.ReadThenScopeAsync([read.PatientId.Value], [], freeze: true);

        var web = await _portal.SignInWebAsync(untouched);
        var page = await PageAsync(web, "/patient/security");
        Assert.Contains("govuk-tag--green\">No impact<", page, StringComparison.Ordinal);
        Assert.Contains("none of your documents were accessed", page, StringComparison.Ordinal);
        Assert.Contains("You don't need to do anything.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("X-ray report", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Impacted", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<table", page, StringComparison.Ordinal);

        var banner = Banner(await PageAsync(web, "/patient"), untouched.PatientId.Value);
        Assert.Contains("govuk-notification-banner--success", banner, StringComparison.Ordinal);
        Assert.Contains("Security status: No impact", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("X-ray report", banner, StringComparison.Ordinal);
        Assert.Equal("not-impacted", (await StatusAsync(untouched)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Patient_in_a_draft_version_sees_under_review_in_amber_and_is_not_told_they_were_affected()
    {
        var practice = await _portal.CreatePracticeAsync("Kaitaia Health");
        var patient = await _portal.CreatePatientAsync(practice);
        var scenario = await StatusScenario.StartAsync(_portal, practice);
        var letter = await scenario.ShareAsync(patient.PatientId!.Value, "Specialist letter");
        await scenario.ReadThenScopeAsync([patient.PatientId.Value], [letter], freeze: false);

        var web = await _portal.SignInWebAsync(patient);
        var page = await PageAsync(web, "/patient/security");
        Assert.Contains("govuk-tag--orange\">Under review<", page, StringComparison.Ordinal);
        Assert.Contains("This doesn't mean it did.", page, StringComparison.Ordinal);
        Assert.Contains("The documents we're checking", page, StringComparison.Ordinal);
        Assert.Contains("Specialist letter", page, StringComparison.Ordinal);
        // Nothing that reads as a finding before a version is frozen: no "accessed", no times, no disclosure.
        Assert.DoesNotContain("were accessed in a security incident", page, StringComparison.Ordinal);
        Assert.DoesNotContain("The document itself was opened", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<table", page, StringComparison.Ordinal);

        var banner = Banner(await PageAsync(web, "/patient"), patient.PatientId.Value);
        Assert.Contains("kt-status-banner--under-review", banner, StringComparison.Ordinal);
        Assert.Contains("Security status: Under review", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("Specialist letter", banner, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_incident_the_page_says_so_quietly_and_the_home_shows_no_banner()
    {
        await using var quiet = await TestPortal.StartAsync();
        var patient = await quiet.CreatePatientAsync(await quiet.CreatePracticeAsync());
        var web = await quiet.SignInWebAsync(patient);

        var page = await PageAsync(web, "/patient/security");
        Assert.Contains("govuk-tag--grey\">No incident<", page, StringComparison.Ordinal);
        Assert.Contains("No security incident has affected your records.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("notification-banner", page, StringComparison.Ordinal);
        // The phrase is there already, for the day a notice comes.
        Assert.Matches(@"data-phrase>[a-z]+ [a-z]+ [a-z]+ [a-z]+ \d\d<", page);

        var home = await PageAsync(web, "/patient");
        Assert.DoesNotContain("Security status:", home, StringComparison.Ordinal);
        Assert.Contains("href=\"/patient/security\"", home, StringComparison.Ordinal);
        // The page's read is recorded; the home, which showed no status, recorded none.
        var events = await quiet.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.ActorAccountId == patient.AccountId && e.Action == AuditAction.SecurityStatusViewed).ToListAsync());
        Assert.Equal(patient.PatientId, Assert.Single(events).PatientId);
    }

    [Fact]
    public async Task Proxy_sees_their_own_status_and_their_childs_and_can_print_each()
    {
        var practice = await _portal.CreatePracticeAsync("Whangarei Whanau Health");
        var parent = await _portal.CreatePatientAsync(practice);
        var child = await ChildOfAsync(parent, practice, "Mia", "Tane");
        var scenario = await StatusScenario.StartAsync(_portal, practice);
        var letter = await scenario.ShareAsync(child.PatientId!.Value, "Immunisation record");
        await scenario.ReadThenScopeAsync([], [letter], freeze: true);

        var web = await _portal.SignInWebAsync(parent);
        var before = await StatusEventsAsync(parent.AccountId);
        var page = await PageAsync(web, "/patient/security");
        var own = Section(page, "status", parent.PatientId!.Value);
        Assert.Contains("Your records", own, StringComparison.Ordinal);
        Assert.Contains("No impact", own, StringComparison.Ordinal);
        var theirs = Section(page, "status", child.PatientId.Value);
        Assert.Contains("Mia Tane's records", theirs, StringComparison.Ordinal);
        Assert.Contains("govuk-tag--red\">Impacted<", theirs, StringComparison.Ordinal);
        Assert.Contains("Some of Mia Tane's documents were accessed", theirs, StringComparison.Ordinal);
        Assert.Contains("Immunisation record", theirs, StringComparison.Ordinal);
        Assert.Contains("The document itself was opened or downloaded", theirs, StringComparison.Ordinal);
        Assert.Contains(await PhraseAsync(child.PatientId.Value), theirs, StringComparison.Ordinal);
        Assert.DoesNotContain("Immunisation record", own, StringComparison.Ordinal);
        // One audited read for each person shown, each naming its person.
        var recorded = (await StatusEventsAsync(parent.AccountId)).Skip(before.Count).Select(e => e.PatientId).ToList();
        Assert.Equal(new Guid?[] { parent.PatientId, child.PatientId }.Order(), recorded.Order());

        // The child's address shows the child alone.
        var childOnly = await PageAsync(web, $"/patient/security?patientId={child.PatientId}");
        Assert.Contains("Mia Tane's security status", childOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("Your records", childOnly, StringComparison.Ordinal);

        // The parent's own home shows the child's red banner and their own green one.
        var home = await PageAsync(web, "/patient");
        Assert.Contains("Security status: Impacted", Banner(home, child.PatientId.Value), StringComparison.Ordinal);
        Assert.Contains($"href=\"/patient/security?patientId={child.PatientId}\"", Banner(home, child.PatientId.Value), StringComparison.Ordinal);
        Assert.Contains("Security status: No impact", Banner(home, parent.PatientId.Value), StringComparison.Ordinal);

        // The sheet for printing: name, status, documents, the date printed in New Zealand time, the phrase, the helpline, and nothing to click.
        var print = await PageAsync(web, $"/patient/security/print?patientId={child.PatientId}");
        var sheet = print[print.IndexOf("kt-print-sheet", StringComparison.Ordinal)..];
        Assert.Single(Occurrences(print, "class=\"kt-print-sheet\""));
        Assert.Contains("Mia Tane", sheet, StringComparison.Ordinal);
        Assert.Contains("Impacted", sheet, StringComparison.Ordinal);
        Assert.Contains("Immunisation record", sheet, StringComparison.Ordinal);
        Assert.Contains(NzTime.DateAndTime(_portal.Clock.GetUtcNow().UtcDateTime), sheet, StringComparison.Ordinal);
        Assert.Contains(await PhraseAsync(child.PatientId.Value), sheet, StringComparison.Ordinal);
        Assert.Contains(new IncidentOptions().HelplineNumber, sheet, StringComparison.Ordinal);
        Assert.DoesNotContain("<a ", sheet[..sheet.LastIndexOf("</section>", StringComparison.Ordinal)], StringComparison.Ordinal);
        // Without an id, one sheet for each person.
        Assert.Equal(2, Occurrences(await PageAsync(web, "/patient/security/print"), "class=\"kt-print-sheet\"").Count);
    }

    [Fact]
    public async Task Another_persons_status_is_never_shown_and_every_per_person_route_answers_not_found()
    {
        var practice = await _portal.CreatePracticeAsync("Dargaville Medical");
        var patient = await _portal.CreatePatientAsync(practice);
        var child = await ChildOfAsync(patient, practice, "Aroha", "Wiremu");
        var stranger = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync("Elsewhere Health"));
        var scenario = await StatusScenario.StartAsync(_portal, practice);
        await scenario.ShareAsync(patient.PatientId!.Value, "Patient's own letter");
        await scenario.ReadThenScopeAsync([patient.PatientId.Value], [], freeze: true);
        var web = await _portal.SignInWebAsync(patient);
        var api = await _portal.SignInApiAsync(patient);

        // Someone else's id, and an id that is nobody's, answer alike: 404 on every route that takes a person.
        foreach (var id in new[] { stranger.PatientId!.Value, Guid.NewGuid() })
        {
            foreach (var path in new[] { "/patient/security", "/patient/security/print", "/patient" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"{path}?patientId={id}")).StatusCode);
            }
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/me/security-status?patientId={id}")).StatusCode);
        }
        // Nothing about the stranger was read or recorded as read.
        Assert.DoesNotContain(await StatusEventsAsync(patient.AccountId), e => e.PatientId == stranger.PatientId);

        // An id that is not an id is read as no id: the caller's own people, nobody else.
        var garbled = await PageAsync(web, "/patient/security?patientId=not-an-id");
        Assert.Contains("Your records", garbled, StringComparison.Ordinal);
        Assert.DoesNotContain($"status-{stranger.PatientId:N}", garbled, StringComparison.Ordinal);

        // Once the proxy grant is revoked, the child's status is theirs no longer.
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/patient/security?patientId={child.PatientId}")).StatusCode);
        await _portal.ElsewhereAsync(async db =>
        {
            await db.ProxyGrants.Where(g => g.ProxyAccountId == patient.AccountId && g.PatientId == child.PatientId)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.RevokedAt, _portal.Clock.GetUtcNow().UtcDateTime));
        });
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/patient/security?patientId={child.PatientId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/patient/security/print?patientId={child.PatientId}")).StatusCode);
        var after = await PageAsync(web, "/patient/security");
        Assert.DoesNotContain($"status-{child.PatientId:N}", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Aroha Wiremu", await PageAsync(web, "/patient"), StringComparison.Ordinal);

        // Staff and operators have no patient-side status pages; someone signed out is sent to sign in.
        foreach (var other in new[] { await _portal.CreateStaffAsync(practice, StaffRole.Clinician), await _portal.CreateOperatorAsync(OperatorRole.SupportAgent) })
        {
            var client = await _portal.SignInWebAsync(other);
            foreach (var path in new[] { "/patient/security", $"/patient/security/print?patientId={patient.PatientId}" })
            {
                var answer = await client.GetAsync(path);
                Assert.True(answer.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location!.AbsolutePath == "/account/denied",
                    $"{other.Role} at {path}: {answer.StatusCode} {answer.Headers.Location}");
            }
        }
        var anonymous = _portal.NewClient();
        Assert.Equal("/account/login", (await anonymous.GetAsync("/patient/security")).Headers.Location!.AbsolutePath);
        Assert.Equal("/account/login", (await anonymous.GetAsync("/patient/security/print")).Headers.Location!.AbsolutePath);
    }

    /// <summary>A child under 16 at the practice, named so pages can be told apart, whom the parent acts for.</summary>
    private async Task<TestUser> ChildOfAsync(TestUser parent, Practice practice, string given, string family)
    {
        var child = await _portal.CreatePatientAsync(practice, new DateOnly(2018, 6, 1));
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var record = await db.Patients.SingleAsync(p => p.Id == child.PatientId);
            record.GivenName = given;
            record.FamilyName = family;
            await db.SaveChangesAsync();
            return await sp.GetRequiredService<PracticeService>()
                .GrantProxyAsync(parent.AccountId, child.PatientId!.Value, ProxyReason.ParentOfChild, null, CancellationToken.None);
        });
        return child;
    }

    private async Task<JsonElement> StatusAsync(TestUser patient)
    {
        using var api = await _portal.SignInApiAsync(patient);
        return await api.GetFromJsonAsync<JsonElement>("/api/v1/me/security-status");
    }

    private Task<string> PhraseAsync(Guid patientId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().VerificationPhrases.Where(p => p.PatientId == patientId).Select(p => p.Phrase).SingleAsync());

    private Task<List<AuditEvent>> StatusEventsAsync(Guid accountId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == accountId && e.Action == AuditAction.SecurityStatusViewed).OrderBy(e => e.Sequence).ToListAsync());

    private static async Task<string> PageAsync(HttpClient client, string path)
    {
        var answer = await client.GetAsync(path);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path}: {answer.StatusCode}");
        return WebUtility.HtmlDecode(await answer.Content.ReadAsStringAsync());
    }

    /// <summary>The table row holding <paramref name="text"/>.</summary>
    private static string Row(string page, string text)
    {
        var at = page.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, $"No row holds \"{text}\".");
        var start = page.LastIndexOf("<tr", at, StringComparison.Ordinal);
        return page[start..page.IndexOf("</tr>", at, StringComparison.Ordinal)];
    }

    /// <summary>The section labelled "{prefix}-{id}": a person's status on the status page, or their banner on the home.</summary>
    private static string Section(string page, string prefix, Guid patientId)
    {
        var label = page.IndexOf($"aria-labelledby=\"{prefix}-{patientId:N}\"", StringComparison.Ordinal);
        Assert.True(label >= 0, $"No {prefix} section for the person.");
        var start = page.LastIndexOf("<section", label, StringComparison.Ordinal);
        return page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static string Banner(string home, Guid patientId) => Section(home, "security", patientId);

    private static List<int> Occurrences(string text, string what)
    {
        var found = new List<int>();
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
        {
            found.Add(at);
        }
        return found;
    }
}
