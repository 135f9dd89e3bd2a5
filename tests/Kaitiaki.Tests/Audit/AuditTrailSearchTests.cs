using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Audit;

/// <summary>The security team's audit trail: each filter narrows it, pages never overlap, every event reads in words, bad input shows nothing.</summary>
[Trait("Category", "Integration")]
public sealed class AuditTrailSearchTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public void Every_action_has_its_own_words_for_operators()
    {
        var words = Enum.GetValues<AuditAction>().Select(AuditActionNames.Describe).ToList();

        Assert.All(words, w => Assert.False(string.IsNullOrWhiteSpace(w)));
        Assert.Equal(words.Count, words.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(Enum.GetValues<AuditOutcome>(), o => Assert.NotEqual("Unknown", AuditActionNames.Describe(o)));
    }

    [Fact]
    public async Task Each_filter_narrows_the_trail_to_what_it_names()
    {
        var practice = await _portal.CreatePracticeAsync();
        var mere = await _portal.CreatePatientAsync(practice);
        var hemi = await _portal.CreatePatientAsync(practice);
        var first = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var second = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        await AddEventsAsync(
            Event(now, AuditAction.DocumentDownloaded, AuditOutcome.Success, first.AccountId, mere.PatientId),
            Event(now, AuditAction.DocumentListed, AuditOutcome.Success, first.AccountId, hemi.PatientId),
            Event(now, AuditAction.DocumentAccessDenied, AuditOutcome.Denied, second.AccountId, mere.PatientId),
            Event(now, AuditAction.SignIn, AuditOutcome.Failure, second.AccountId, null));

        // An e-mail address in any case, or the account id, is the same person.
        var byEmail = await SearchAsync(new(null, first.Email.ToUpperInvariant(), null, null, null, null));
        Assert.Equal([AuditAction.DocumentListed, AuditAction.DocumentDownloaded], byEmail.Select(e => e.Action));
        Assert.All(byEmail, e => Assert.Equal(first.AccountId, e.ActorAccountId));
        Assert.Equal(2, (await SearchAsync(new(null, second.AccountId.ToString(), null, null, null, null))).Count);

        // A patient's NHI, typed in lower case, finds every event about them and no one else's.
        var mereNhi = await NhiAsync(mere.PatientId!.Value);
        var aboutMere = await SearchAsync(new(null, null, $" {mereNhi.ToLowerInvariant()} ", null, null, null));
        Assert.All(aboutMere, e => Assert.Equal(mereNhi, e.PatientNhi));
        Assert.Equal([AuditAction.DocumentAccessDenied, AuditAction.DocumentDownloaded],
            aboutMere.Where(e => e.ActorAccountId is not null).Select(e => e.Action));

        // Action and outcome narrow further, together with the others.
        Assert.Single(await SearchAsync(new("DocumentDownloaded", first.Email, null, null, null, null)));
        Assert.Empty(await SearchAsync(new("DocumentDownloaded", second.Email, null, null, null, null)));
        Assert.Equal(AuditAction.DocumentAccessDenied, Assert.Single(await SearchAsync(new(null, second.Email, null, null, null, "Denied"))).Action);
        Assert.Equal(AuditAction.SignIn, Assert.Single(await SearchAsync(new(null, second.Email, null, null, null, "Failure"))).Action);
    }

    [Fact]
    public async Task Dates_are_whole_New_Zealand_days_even_on_the_day_daylight_saving_ends()
    {
        // Summer time ends at 3 am on Sunday 5 April 2026, so that day runs 25 hours: from 11:00 UTC on the 4th
        // (midnight NZDT) to 12:00 UTC on the 5th (midnight NZST).
        var actor = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var lastOfSaturday = new DateTime(2026, 4, 4, 10, 59, 59, DateTimeKind.Utc);
        var firstOfSunday = new DateTime(2026, 4, 4, 11, 0, 0, DateTimeKind.Utc);
        var lateOnSunday = new DateTime(2026, 4, 5, 11, 30, 0, DateTimeKind.Utc); // 11:30 pm NZST: a day taken as 24 hours would miss it
        var firstOfMonday = new DateTime(2026, 4, 5, 12, 0, 0, DateTimeKind.Utc);
        await AddEventsAsync([.. new[] { lastOfSaturday, firstOfSunday, lateOnSunday, firstOfMonday }
            .Select(at => Event(at, AuditAction.AuditTrailViewed, AuditOutcome.Success, actor.AccountId, null))]);

        var sunday = await SearchAsync(new(null, actor.Email, null, "5/4/2026", "2026-04-05", null));
        Assert.Equal([lateOnSunday, firstOfSunday], sunday.Select(e => e.OccurredAt));
        var saturday = await SearchAsync(new(null, actor.Email, null, "4/4/2026", "4/4/2026", null));
        Assert.Equal([lastOfSaturday], saturday.Select(e => e.OccurredAt));
        var fromMonday = await SearchAsync(new(null, actor.Email, null, "6/4/2026", null, null));
        Assert.Equal([firstOfMonday], fromMonday.Select(e => e.OccurredAt));
    }

    [Fact]
    public async Task Pages_follow_the_sequence_newest_first_without_overlap_even_while_the_trail_grows()
    {
        var actor = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var now = _portal.Clock.GetUtcNow().UtcDateTime;
        await AddEventsAsync([.. Enumerable.Range(0, 120).Select(_ => Event(now, AuditAction.AuditExported, AuditOutcome.Success, actor.AccountId, null))]);
        var (filter, _) = await _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditTrailSearch>().ResolveAsync(
            new(null, actor.AccountId.ToString(), null, null, null, null), CancellationToken.None));

        var first = await PageAsync(filter!, null, null);
        // An event that arrives while someone reads does not push the next page along.
        await AddEventsAsync(Event(now, AuditAction.AuditExported, AuditOutcome.Success, actor.AccountId, null));
        var second = await PageAsync(filter!, first.OlderThan, null);
        var third = await PageAsync(filter!, second.OlderThan, null);

        Assert.Equal([AuditTrailSearch.PageSize, AuditTrailSearch.PageSize, 20], new[] { first, second, third }.Select(p => p.Events.Count));
        var all = first.Events.Concat(second.Events).Concat(third.Events).Select(e => e.Sequence).ToList();
        Assert.Equal(120, all.Distinct().Count());
        Assert.Equal(all.OrderDescending(), all);
        Assert.Null(third.OlderThan);
        Assert.Null(first.NewerThan);
        // Going back from the second page shows exactly the first page again, and says something newer has arrived since.
        var back = await PageAsync(filter!, null, second.NewerThan);
        Assert.Equal(first.Events.Select(e => e.Sequence), back.Events.Select(e => e.Sequence));
        Assert.NotNull(back.NewerThan);
    }

    [Theory]
    [InlineData("from=2026-13-45", "Enter the &#x27;from&#x27; date as a real date")]
    [InlineData("to=31/2/2026", "Enter the &#x27;to&#x27; date as a real date")]
    [InlineData("from=10/4/2026&to=1/4/2026", "must be on or before the &#x27;to&#x27; date")]
    [InlineData("actor=nobody-here@example.nz", "No account has that e-mail address")]
    [InlineData("actor=3f2a9c1b", "Enter the actor&#x27;s e-mail address or their full account id")]
    [InlineData("patient=JBX3650", "The check digit of this NHI number does not match")]
    [InlineData("action=Everything", "Choose an action from the list")]
    [InlineData("outcome=8", "Choose an outcome from the list")]
    public async Task Filters_that_cannot_be_understood_say_what_to_fix_and_show_nothing(string query, string message)
    {
        var analyst = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

        var page = await analyst.GetStringAsync("/operator/audit?" + query);

        Assert.Contains("govuk-error-summary", page, StringComparison.Ordinal);
        Assert.Contains(message, page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"events\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_NHI_no_patient_has_is_named_as_unknown_rather_than_matching_nothing()
    {
        var analyst = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

        var page = await analyst.GetStringAsync("/operator/audit?patient=" + TestPortal.NewTestNhi());

        Assert.Contains("No patient has that NHI number.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"events\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trail_page_shows_events_in_words_and_records_the_search_with_ids_never_the_email_or_NHI_typed()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        await AddEventsAsync(Event(_portal.Clock.GetUtcNow().UtcDateTime, AuditAction.DocumentDownloaded, AuditOutcome.Success, clinician.AccountId, patient.PatientId));
        var nhi = await NhiAsync(patient.PatientId!.Value);
        var analystUser = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var analyst = await _portal.SignInWebAsync(analystUser);

        var page = await analyst.GetStringAsync($"/operator/audit?actor={Uri.EscapeDataString(clinician.Email)}&patient={nhi}&outcome=Success");

        Assert.Contains("Downloaded a document", page, StringComparison.Ordinal);
        Assert.Contains($"Staff Clinician (Clinician, {clinician.AccountId.ToString("N")[..8]})", page, StringComparison.Ordinal);
        Assert.Contains($"data-label=\"Patient\">{nhi}</td>", page, StringComparison.Ordinal);
        Assert.Contains("NZ", page, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", page, StringComparison.Ordinal);
        var viewed = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.Action == AuditAction.AuditTrailViewed && e.ActorAccountId == analystUser.AccountId).SingleAsync());
        Assert.Equal($"actor={clinician.AccountId:N}; patient={patient.PatientId:N}; outcome=Success; 1 shown", viewed.Detail);
        Assert.DoesNotContain(nhi, viewed.Detail!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@", viewed.Detail!, StringComparison.Ordinal);
        // A search about one patient is about them: it is on their event, and the patients shown are its items.
        Assert.Equal(patient.PatientId, viewed.PatientId);
        Assert.Equal([patient.PatientId!.Value], viewed.ItemIds());
    }

    [Fact]
    public async Task Only_security_analysts_and_incident_managers_open_the_trail_and_each_operator_home_offers_what_their_role_does()
    {
        var practice = await _portal.CreatePracticeAsync();
        var support = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SupportAgent));
        var manager = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.IncidentManager));
        var analyst = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));
        var patient = await _portal.SignInWebAsync(await _portal.CreatePatientAsync(practice));
        var clinician = await _portal.SignInWebAsync(await _portal.CreateStaffAsync(practice, StaffRole.Clinician));

        foreach (var refused in new[] { support, patient, clinician })
        {
            var answer = await refused.GetAsync("/operator/audit");
            AssertRefused(answer);
        }
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/operator/audit")).StatusCode);

        var supportHome = await support.GetStringAsync("/operator");
        Assert.Contains("href=\"/operator/support\"", supportHome, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/operator/audit\"", supportHome, StringComparison.Ordinal);
        var managerHome = await manager.GetStringAsync("/operator");
        Assert.Contains("href=\"/operator/audit\"", managerHome, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/operator/support\"", managerHome, StringComparison.Ordinal);
        var analystHome = await analyst.GetStringAsync("/operator");
        Assert.Contains("href=\"/operator/audit\"", analystHome, StringComparison.Ordinal);
        Assert.Contains("href=\"/operator/support\"", analystHome, StringComparison.Ordinal);
        foreach (var home in new[] { supportHome, managerHome, analystHome })
        {
            Assert.DoesNotContain("not available", home, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static AuditEvent Event(DateTime at, AuditAction action, AuditOutcome outcome, Guid actor, Guid? patient) => new()
    {
        OccurredAt = AuditEvent.TrimToMicroseconds(at),
        Action = action,
        Outcome = outcome,
        ActorAccountId = actor,
        ActorRole = "Clinician",
        Client = "test",
        PatientId = patient,
    };

    private async Task AddEventsAsync(params AuditEvent[] events) =>
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.AuditEvents.AddRange(events);
            return await db.SaveChangesAsync();
        });

    private Task<string> NhiAsync(Guid patientId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patientId).Select(p => p.Nhi).SingleAsync());

    private Task<IReadOnlyList<AuditTrailRow>> SearchAsync(AuditTrailInput input) =>
        _portal.WithScopeAsync(async sp =>
        {
            var search = sp.GetRequiredService<AuditTrailSearch>();
            var (filter, problem) = await search.ResolveAsync(input, CancellationToken.None);
            Assert.True(filter is not null, problem?.Message);
            return (await search.PageAsync(filter, null, null, CancellationToken.None)).Events;
        });

    private Task<AuditTrailPage> PageAsync(AuditTrailFilter filter, long? olderThan, long? newerThan) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditTrailSearch>().PageAsync(filter, olderThan, newerThan, CancellationToken.None));

    // A refused page answers 403 or 404, or, for a signed-in browser, sends it to the "not available" page.
    private static void AssertRefused(HttpResponseMessage answer) =>
        Assert.True(answer.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                    || (answer.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal)),
            $"Expected a refusal, got {(int)answer.StatusCode}.");
}
