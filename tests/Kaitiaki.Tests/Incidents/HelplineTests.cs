using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Kaitiaki.Tests.Incidents.HelplineSteps;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The breach helpline (issue 12 part 5): a support agent finds a caller only with NHI number, date of birth and family
/// name together; a miss reads the same whichever detail was wrong; missing details are refused before anything is
/// looked up; every look-up is audited without the details typed; the call is logged; and only support agents get in.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class HelplineTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private static readonly DateOnly Born = new(1984, 3, 27);
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task An_agent_finds_a_caller_only_when_all_three_details_match_and_every_miss_reads_the_same()
    {
        var practice = await _portal.CreatePracticeAsync();
        var caller = await _portal.CreatePatientAsync(practice);
        // Stored decomposed (a + combining macron), typed composed below: the same name.
        var nhi = await GiveDetailsAsync(_portal, caller, "Aroha", "Nga\u0304ta", Born);
        var other = await _portal.CreatePatientAsync(practice);
        var otherNhi = await GiveDetailsAsync(_portal, other, "Mere", "Parata", new DateOnly(1990, 1, 2));
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);

        // Lower case, a space in the NHI, the name in capitals with spaces around it: still all three details.
        var found = await FindAsync(agent, $" {nhi[..3].ToLowerInvariant()} {nhi[3..]} ", "27", "03", "1984", "  NGĀTA ");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var page = await found.Content.ReadAsStringAsync();
        Assert.Contains("Aroha Ngāta", MainText(page).Normalize(), StringComparison.Ordinal);
        Assert.Contains("all three details matched", page, StringComparison.Ordinal);
        // The date of birth as one ISO date, as a tool would post it, finds the caller too.
        Assert.Contains("all three details matched", await (await FindAsync(agent, nhi, null, null, null, "Ngāta", isoDate: "1984-03-27")).Content.ReadAsStringAsync(),
            StringComparison.Ordinal);

        // Each wrong detail alone, and an NHI nobody has: the same answer, and nothing of anyone.
        var misses = new (string What, string Nhi, DateOnly Born, string Name)[]
        {
            ("someone else's NHI", otherNhi, Born, "Ngāta"),
            ("an NHI nobody has", TestPortal.NewTestNhi(), Born, "Ngāta"),
            ("the date of birth a day out", nhi, Born.AddDays(1), "Ngāta"),
            ("the name without its macron", nhi, Born, "Ngata"),
            ("another family name", nhi, Born, "Parata"),
        };
        var answers = new List<string>();
        foreach (var (what, missNhi, missBorn, name) in misses)
        {
            var miss = await FindAsync(agent, missNhi, missBorn, name);
            Assert.True(miss.StatusCode == HttpStatusCode.OK, what);
            var html = await miss.Content.ReadAsStringAsync();
            Assert.True(MainText(html).Contains("No match", StringComparison.Ordinal), what);
            Assert.True(!html.Contains("Aroha", StringComparison.Ordinal) && !html.Contains("Mere Parata", StringComparison.Ordinal)
                && !html.Contains("name=\"call\"", StringComparison.Ordinal), what);
            // What the agent typed comes back in the form, and each page has its own token; all else is the same page whatever was wrong.
            answers.Add(Values().Replace(html, ""));
        }
        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.DoesNotContain("did not match:", answers[0], StringComparison.Ordinal);

        var lookups = await EventsAsync(agentUser.AccountId, AuditAction.HelplineLookup);
        Assert.Equal(7, lookups.Count);
        Assert.All(lookups.Take(2), e => Assert.Equal((AuditOutcome.Success, caller.PatientId, "Patient", caller.PatientId), (e.Outcome, e.PatientId, e.ResourceType, e.ResourceId)));
        Assert.All(lookups.Skip(2), e => Assert.Equal((AuditOutcome.Failure, (Guid?)null, (Guid?)null, "no match"), (e.Outcome, e.PatientId, e.ResourceId, e.Detail)));
        // The details typed are never on the trail: not the NHI, the date of birth or the name.
        Assert.All(lookups, e => Assert.True(
            new[] { nhi, otherNhi, "1984", "Ng", "Parata" }.All(s => !(e.Detail ?? "").Contains(s, StringComparison.OrdinalIgnoreCase)), e.Detail));

        // The caller can see that the helpline found them, in their own access log.
        var log = await (await _portal.SignInApiAsync(caller)).GetStringAsync("/api/v1/me/access-log");
        Assert.Contains("found you on the Kaitiaki helpline", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_look_up_with_a_detail_missing_or_wrongly_written_says_what_to_fix_and_looks_nothing_up()
    {
        var caller = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var nhi = await GiveDetailsAsync(_portal, caller, "Aroha", "Ngāta", Born);
        var badCheck = nhi[..6] + (char)('0' + (nhi[6] - '0' + 1) % 10);
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);

        var cases = new (string What, string? Nhi, string? Day, string? Month, string? Year, string? Name, string Says, string Field)[]
        {
            ("two of three: no family name", nhi, "27", "3", "1984", "", "Enter their family name. A look-up needs all three details", "familyName"),
            ("two of three: no date of birth", nhi, "", "", "", "Ngāta", "Enter their date of birth. A look-up needs all three details", "dob-day"),
            ("two of three: no NHI", "  ", "27", "3", "1984", "Ngāta", "Enter their NHI number. A look-up needs all three details", "nhi"),
            ("two of three: fields left out of the post", nhi, null, null, null, "Ngāta", "Enter their date of birth.", "dob-day"),
            ("one of three", nhi, null, null, null, null, "Enter their date of birth and family name.", "dob-day"),
            ("none", null, null, null, null, null, "Enter their NHI number, date of birth and family name.", "nhi"),
            ("a date of birth without its year", nhi, "27", "3", "", "Ngāta", "Their date of birth must include a year.", "dob-year"),
            ("a date that does not exist", nhi, "30", "2", "1984", "Ngāta", "as a real date", "dob-day"),
            ("a two-digit year", nhi, "27", "3", "84", "Ngāta", "4-digit year", "dob-day"),
            ("a date of birth in the future", nhi, "1", "1", "2999", "Ngāta", "today or in the past", "dob-day"),
            ("an NHI with the wrong check digit", badCheck, "27", "3", "1984", "Ngāta", "check digit", "nhi"),
            ("a name with a hidden direction character", nhi, "27", "3", "1984", "Ng\u202Eāta", "changes the direction of the text", "familyName"),
        };
        foreach (var (what, n, day, month, year, name, says, field) in cases)
        {
            var answer = await FindAsync(agent, n, day, month, year, name);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, what);
            var summary = await WebForms.ErrorSummaryAsync(answer);
            Assert.True(summary is not null && summary.Contains(says, StringComparison.Ordinal), $"{what}: {summary}");
            var html = await answer.Content.ReadAsStringAsync();
            Assert.True(html.Contains($"href=\"#{field}\"", StringComparison.Ordinal), what);
            Assert.True(!html.Contains("Aroha", StringComparison.Ordinal) && !html.Contains("No match", StringComparison.Ordinal), what);
        }

        // Nothing was looked up, recorded or counted: the minute's allowance is untouched, so a whole look-up still answers.
        Assert.Empty(await EventsAsync(agentUser.AccountId, AuditAction.HelplineLookup));
        Assert.True(cases.Length > _portal.Services.GetRequiredService<IncidentOptions>().HelplineLookupsPerMinute);
        Assert.Contains("Aroha Ngāta", MainText(await (await FindAsync(agent, nhi, Born, "Ngāta")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Look_ups_beyond_the_minute_allowance_are_asked_to_wait_with_429_and_are_audited_as_refused()
    {
        var caller = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var nhi = await GiveDetailsAsync(_portal, caller, "Aroha", "Ngāta", Born);
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);
        var perMinute = _portal.Services.GetRequiredService<IncidentOptions>().HelplineLookupsPerMinute;

        // Found or missed, every look-up uses the allowance.
        for (var i = 0; i < perMinute; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await FindAsync(agent, nhi, Born, i % 2 == 0 ? "Ngāta" : "Smith")).StatusCode);
        }
        var refused = await FindAsync(agent, nhi, Born, "Ngāta");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Please wait a minute", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Aroha", html, StringComparison.Ordinal);
        var last = (await EventsAsync(agentUser.AccountId, AuditAction.HelplineLookup))[^1];
        Assert.Equal((AuditOutcome.Denied, (Guid?)null), (last.Outcome, last.PatientId));

        // Another agent has their own allowance; this one has theirs again a minute later.
        var colleague = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SupportAgent));
        Assert.Equal(HttpStatusCode.OK, (await FindAsync(colleague, nhi, Born, "Ngāta")).StatusCode);
        _portal.Clock.Advance(TimeSpan.FromSeconds(61));
        var again = await FindAsync(agent, nhi, Born, "Ngāta");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("Aroha Ngāta", MainText(await again.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_is_logged_with_the_status_shown_and_a_short_note_and_a_bad_note_or_token_saves_nothing()
    {
        var caller = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var nhi = await GiveDetailsAsync(_portal, caller, "Aroha", "Ngāta", Born);
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);
        var call = CallToken(await (await FindAsync(agent, nhi, Born, "Ngāta")).Content.ReadAsStringAsync());

        // An empty phrase is nothing to check: the agent is asked for it, and no check is made or recorded.
        var empty = await CheckPhraseAsync(agent, call, "   ");
        Assert.Contains("Type the phrase they read out", await WebForms.ErrorSummaryAsync(empty), StringComparison.Ordinal);
        Assert.Empty(await EventsAsync(agentUser.AccountId, AuditAction.HelplinePhraseChecked));

        // A note over 1,000 characters, or with a hidden character in it, is refused and the caller shown again.
        var tooLong = await LogAsync(agent, call, new string('a', Helpline.NoteMaxLength + 1));
        Assert.Contains("Keep the note to 1,000 characters or fewer", await WebForms.ErrorSummaryAsync(tooLong), StringComparison.Ordinal);
        Assert.Contains("Aroha Ngāta", MainText(await tooLong.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Contains("hidden character", await WebForms.ErrorSummaryAsync(await LogAsync(agent, call, "Asked about \u202Ethe notice")), StringComparison.Ordinal);
        // A token altered, made for another agent, or from a call that ended half an hour ago, starts again.
        var colleague = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SupportAgent));
        foreach (var (who, token) in new[] { (agent, call[..^2] + (call[^2] == 'A' ? "BA" : "AA")), (colleague, call), (agent, "") })
        {
            Assert.Contains("This look-up has ended", await (await LogAsync(who, token, "Asked whether they were affected.")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Empty(await CallsAsync(caller.PatientId!.Value));

        var logged = await LogAsync(agent, call, "  Asked whether they were affected.\r\nTold them there is no incident.  ");
        Assert.Equal(HttpStatusCode.Redirect, logged.StatusCode);
        Assert.Equal("/operator/helpline?done=logged", logged.Headers.Location!.OriginalString);
        Assert.Contains("The call has been logged", await agent.GetStringAsync(logged.Headers.Location), StringComparison.Ordinal);
        var saved = Assert.Single(await CallsAsync(caller.PatientId!.Value));
        Assert.Equal((agentUser.AccountId, (Guid?)null, "no-incident", "Asked whether they were affected.\nTold them there is no incident."),
            (saved.AgentAccountId, saved.IncidentId, saved.StatusGiven, saved.Note));
        var audited = Assert.Single(await EventsAsync(agentUser.AccountId, AuditAction.HelplineCallLogged));
        Assert.Equal((caller.PatientId, "HelplineCall", saved.Id, "no-incident"), (audited.PatientId, audited.ResourceType, audited.ResourceId!.Value, audited.Detail));

        // Half an hour on, in two steps so the agent's own session (idle after 30 minutes) stays signed in.
        _portal.Clock.Advance(Helpline.CallLifetime / 2);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync(Page)).StatusCode);
        _portal.Clock.Advance(Helpline.CallLifetime / 2 + TimeSpan.FromMinutes(1));
        Assert.Contains("This look-up has ended", await (await LogAsync(agent, call, "")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await CallsAsync(caller.PatientId!.Value));
    }

    [Fact]
    public async Task Only_support_agents_can_reach_the_helpline()
    {
        var practice = await _portal.CreatePracticeAsync();
        var caller = await _portal.CreatePatientAsync(practice);
        var nhi = await GiveDetailsAsync(_portal, caller, "Aroha", "Ngāta", Born);
        foreach (var user in new[]
                 {
                     caller,
                     await _portal.CreateStaffAsync(practice, StaffRole.Clinician),
                     await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator),
                     await _portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer),
                     await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst),
                     await _portal.CreateOperatorAsync(OperatorRole.IncidentManager),
                 })
        {
            var client = await _portal.SignInWebAsync(user);
            AssertRefused(await client.GetAsync(Page), user.Role);
            // A page token from a page they may use, so only the helpline's own rule stands in the way.
            var token = await WebForms.TokenAsync(client, "/account/security");
            var posted = await client.PostAsync($"{Page}?handler=Find", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["nhi"] = nhi, ["dobDay"] = "27", ["dobMonth"] = "3", ["dobYear"] = "1984", ["familyName"] = "Ngāta", ["__RequestVerificationToken"] = token,
            }));
            AssertRefused(posted, user.Role);
            Assert.Empty(await EventsAsync(user.AccountId, AuditAction.HelplineLookup));
        }
        var anonymous = await _portal.NewClient().GetAsync(Page);
        Assert.True(anonymous.StatusCode == HttpStatusCode.Redirect && anonymous.Headers.Location!.OriginalString.Contains("/account/login", StringComparison.Ordinal));
    }

    private static void AssertRefused(HttpResponseMessage answer, string who) =>
        Assert.True(answer.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                    || (answer.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal)),
            $"{who}: expected a refusal, got {(int)answer.StatusCode}.");

    private Task<List<AuditEvent>> EventsAsync(Guid actor, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == actor && e.Action == action).OrderBy(e => e.Sequence).ToListAsync());

    private Task<List<HelplineCall>> CallsAsync(Guid patientId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().HelplineCalls.AsNoTracking().Where(c => c.PatientId == patientId).ToListAsync());

    [GeneratedRegex("value=\"[^\"]*\"")]
    private static partial Regex Values();
}
