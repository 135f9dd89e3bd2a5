using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Kaitiaki.Tests.Incidents.HelplineSteps;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The helpline on portals of their own, because a caller's status depends on every incident the portal holds and the
/// burst alert on the detector's mode: what the agent is shown and told to say for each status, and the hourly burst.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HelplineStatusTests
{
    private const string Title = "Biopsy result – melanoma";
    private static readonly DateOnly Born = new(1984, 3, 27);

    [Fact]
    public async Task The_agent_sees_each_status_with_counts_and_dates_and_never_a_documents_title_or_the_verification_phrase()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
        {
            // The clinician reads several patients' documents in a few seconds.
            ["Kaitiaki:Detection:Mode"] = "observe",
            ["Kaitiaki:Incidents:HelplineNumber"] = "0800 111 222",
        });
        var practice = await portal.CreatePracticeAsync();
        var opened = await portal.CreatePatientAsync(practice);
        var openedNhi = await GiveDetailsAsync(portal, opened, "Aroha", "Ngāta", Born);
        var listed = await portal.CreatePatientAsync(practice);
        var listedNhi = await GiveDetailsAsync(portal, listed, "Mere", "Parata", Born);
        var untouched = await portal.CreatePatientAsync(practice);
        var untouchedNhi = await GiveDetailsAsync(portal, untouched, "Hemi", "Walker", Born);
        var flagged = await portal.CreatePatientAsync(practice);
        var flaggedNhi = await GiveDetailsAsync(portal, flagged, "Kiri", "Tane", Born);
        var clinician = await ClinicianReadsAsync(portal, practice, Title, [opened, flagged], listOnly: listed);
        var agentUser = await portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await portal.SignInWebAsync(agentUser);
        var pages = new List<string>();

        async Task<string> SeeAsync(string nhi, string name, string status, string script)
        {
            var answer = await FindAsync(agent, nhi, Born, name);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var html = await answer.Content.ReadAsStringAsync();
            var text = MainText(html);
            Assert.True(text.Contains($"Status {status}", StringComparison.Ordinal), $"{name}: expected {status}: {text}");
            Assert.True(text.Contains(script, StringComparison.Ordinal), $"{name}: expected the script to say \"{script}\"");
            Assert.Contains("Kaitiaki will never send you a link, or ask for your password or a sign-in code", text, StringComparison.Ordinal);
            Assert.Contains("call us on 0800 111 222", text, StringComparison.Ordinal);
            pages.Add(html);
            return html;
        }

        // Before any incident: nothing to report.
        await SeeAsync(openedNhi, "Ngāta", "No incident", "We haven't found anything that affects your records.");

        // A draft scope: those it reaches are under review, told nothing yet; everyone else still has no incident.
        var (incident, manager) = await ScopeAsync(portal, clinician.AccountId, "Documents read by one clinician account");
        var underReview = MainText(await SeeAsync(openedNhi, "Ngāta", "Under review", "We're still working out exactly whose documents were involved"));
        Assert.Contains("Scope version 1, still being checked", underReview, StringComparison.Ordinal);
        Assert.DoesNotContain("Their documents", underReview, StringComparison.Ordinal);
        await SeeAsync(untouchedNhi, "Walker", "No incident", "We haven't found anything");

        // Frozen: impacted with counts and New Zealand dates only; the rest not impacted.
        await FreezeAsync(manager, incident);
        var impacted = MainText(await SeeAsync(openedNhi, "Ngāta", "Impacted", "Our checks show that 1 of your documents was involved, on "));
        Assert.Contains("Incident Documents read by one clinician account", impacted, StringComparison.Ordinal);
        Assert.Contains("Scope version 1, final", impacted, StringComparison.Ordinal);
        Assert.Contains("Their documents 1 document: the document itself was opened or downloaded", impacted, StringComparison.Ordinal);
        Assert.Contains("(New Zealand dates)", impacted, StringComparison.Ordinal);
        var metadata = MainText(await SeeAsync(listedNhi, "Parata", "Impacted", "Only its details, like the title, date and size, were seen, not what it says."));
        Assert.Contains("Their documents 1 document: only the details (title, date and size) were seen", metadata, StringComparison.Ordinal);
        await SeeAsync(untouchedNhi, "Walker", "Not impacted", "none of your documents were involved");

        // A patient their practice flagged for clinician-led contact: the agent leaves the details to the practice.
        var officer = await portal.SignInApiAsync(await portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer));
        var review = await officer.PostAsJsonAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/review",
            new { version = 1, flags = new[] { new { patientId = flagged.PatientId, reason = "Recently bereaved; the GP will call." } } });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        var led = MainText(await SeeAsync(flaggedNhi, "Tane", "Their practice will contact them", "Your practice would like to talk with you about this themselves."));
        Assert.Contains("Please don't go into any details", led, StringComparison.Ordinal);
        Assert.DoesNotContain("Their documents", led, StringComparison.Ordinal);
        Assert.DoesNotContain("bereaved", led, StringComparison.Ordinal);

        // The phrase the caller reads out is checked, never shown: case and spacing do not matter.
        var phrase = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().VerificationPhrases
            .Where(p => p.PatientId == opened.PatientId).Select(p => p.Phrase).SingleAsync());
        var call = CallToken(await (await FindAsync(agent, openedNhi, Born, "Ngāta")).Content.ReadAsStringAsync());
        var matches = await (await CheckPhraseAsync(agent, call, "  " + phrase.ToUpperInvariant().Replace(" ", "  ", StringComparison.Ordinal) + ". ")).Content.ReadAsStringAsync();
        Assert.Contains("The phrase matches.", matches, StringComparison.Ordinal);
        var wrong = await (await CheckPhraseAsync(agent, call, "apple banana cherry damson 42")).Content.ReadAsStringAsync();
        Assert.Contains("The phrase does not match.", wrong, StringComparison.Ordinal);
        pages.AddRange([matches, wrong]);
        var checks = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == agentUser.AccountId && e.Action == AuditAction.HelplinePhraseChecked).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal([AuditOutcome.Success, AuditOutcome.Failure], checks.Select(e => e.Outcome));
        Assert.All(checks, e => Assert.Equal(opened.PatientId, e.PatientId));

        // Nothing clinical anywhere the agent looked: no title, no file name, no category, no flag reason, no phrase.
        foreach (var html in pages.SelectMany(h => new[] { h, WebUtility.HtmlDecode(h) }))
        {
            foreach (var secret in new[] { "Biopsy", "melanoma", "biopsy-melanoma.pdf", "clinical-letter", "Clinical letter", "bereaved", phrase })
            {
                Assert.DoesNotContain(secret, html, StringComparison.OrdinalIgnoreCase);
            }
        }

        // The call logged after the freeze names the incident and the status the agent read out.
        Assert.Equal(HttpStatusCode.Redirect, (await LogAsync(agent, call, "Read out the phrase from their letter; it matched.")).StatusCode);
        var saved = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().HelplineCalls.AsNoTracking().SingleAsync(c => c.PatientId == opened.PatientId));
        Assert.Equal((incident, "impacted"), (saved.IncidentId!.Value, saved.StatusGiven));
    }

    [Theory]
    [InlineData("contain")]
    [InlineData("observe")]
    public async Task More_look_ups_in_an_hour_than_allowed_raise_one_helpline_burst_alert_and_contain_nothing(string mode)
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kaitiaki:Detection:Mode"] = mode,
            ["Kaitiaki:Incidents:HelplineLookupsPerMinute"] = "1000",
            ["Kaitiaki:Incidents:HelplineLookupsPerHour"] = "5",
        });
        var caller = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var nhi = await GiveDetailsAsync(portal, caller, "Aroha", "Ngāta", Born);
        var agentUser = await portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await portal.SignInWebAsync(agentUser);

        // Misses count as much as finds: guessing at who is on the portal is the threat.
        for (var i = 0; i < 5; i++)
        {
            await FindAsync(agent, TestPortal.NewTestNhi(), Born, "Smith");
        }
        Assert.Empty(await AlertsAsync(portal));
        for (var i = 0; i < 3; i++)
        {
            await FindAsync(agent, TestPortal.NewTestNhi(), Born, "Smith");
        }

        var alert = Assert.Single(await AlertsAsync(portal));
        Assert.Equal(("helpline-burst", AlertSeverity.High, $"account:{agentUser.AccountId:N}", agentUser.AccountId, false),
            (alert.Rule, alert.Severity, alert.Principal, alert.AccountId!.Value, alert.Contained));
        Assert.Equal("6 helpline look-ups in an hour.", alert.Summary);
        Assert.NotEqual("helpline-burst", AlertWords.Rule(alert.Rule));
        var evidence = AuditEvent.UnpackItems(alert.Evidence).ToList();
        var lookups = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => evidence.Contains(e.Id) && e.Action == AuditAction.HelplineLookup).CountAsync());
        Assert.Equal(6, lookups);
        // Nothing is contained: the agent carries on answering calls while an analyst looks.
        Assert.Contains("Aroha Ngāta", MainText(await (await FindAsync(agent, nhi, Born, "Ngāta")).Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Empty(await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.AsNoTracking().ToListAsync()));
    }

    [Fact]
    public async Task With_the_detector_off_a_burst_raises_no_alert_but_the_minute_allowance_still_holds()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kaitiaki:Detection:Mode"] = "off",
            ["Kaitiaki:Incidents:HelplineLookupsPerMinute"] = "3",
            ["Kaitiaki:Incidents:HelplineLookupsPerHour"] = "1",
        });
        var agent = await portal.SignInWebAsync(await portal.CreateOperatorAsync(OperatorRole.SupportAgent));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await FindAsync(agent, TestPortal.NewTestNhi(), Born, "Smith")).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Empty(await AlertsAsync(portal));
    }

    private static Task<List<SecurityAlert>> AlertsAsync(TestPortal portal) =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking().Where(a => a.Rule == "helpline-burst").ToListAsync());
}
