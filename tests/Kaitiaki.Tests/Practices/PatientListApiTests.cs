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

namespace Kaitiaki.Tests.Practices;

/// <summary>
/// <c>GET /api/v1/patients</c>: the patient list of the practice page, by the same rule, a page of 50 at a time, each patient
/// shown audited as the page audits them; for clinicians and practice administrators only.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PatientListApiTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    private sealed record Listed(Guid Id, string Nhi, string Name, string DateOfBirth, Guid PracticeId);

    [Fact]
    public async Task Clinician_sees_exactly_their_practices_enrolled_patients_across_pages_and_no_one_elses()
    {
        var practice = await _portal.CreatePracticeAsync("List Practice");
        var elsewhere = await _portal.CreatePracticeAsync("Other Practice");
        var enrolled = new List<Guid>();
        for (var i = 0; i < PracticeService.ListPageSize + 7; i++)
        {
            enrolled.Add(await RegisterAsync(practice, $"Given{i:D2}", i % 3 == 0 ? "Ngata" : "Walker", new DateOnly(1950 + i, 3, 9)));
        }
        var notHere = new[] { await RegisterAsync(elsewhere, "Mere", "Elsewhere", new DateOnly(1990, 1, 2)) };
        // A patient who has moved on to the other practice is on its list now, not this one's.
        var moved = enrolled[^1];
        enrolled.RemoveAt(enrolled.Count - 1);
        await MoveAsync(moved, elsewhere);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        using var client = await _portal.SignInApiAsync(clinician);

        var first = await client.GetAsync("/api/v1/patients");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("</api/v1/patients?page=2>; rel=\"next\"", Assert.Single(first.Headers.GetValues("Link")));
        var firstPage = await ReadAsync(first);
        Assert.Equal(PracticeService.ListPageSize, firstPage.Count);
        var second = await client.GetAsync("/api/v1/patients?page=2");
        Assert.False(second.Headers.Contains("Link"));
        var secondPage = await ReadAsync(second);

        var all = firstPage.Concat(secondPage).ToList();
        Assert.Equal(enrolled.Order(), all.Select(p => p.Id).Order());
        Assert.All(all, p => Assert.Equal(practice.Id, p.PracticeId));
        Assert.DoesNotContain(all, p => notHere.Contains(p.Id) || p.Id == moved);
        // Family name, then given name: the same order on every request, so the pages neither repeat nor skip anyone.
        Assert.Equal(all.OrderBy(p => p.Name.Split(' ')[1], StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Id),
            all.Select(p => p.Id));
        Assert.Equal(firstPage.Select(p => p.Id), (await ReadAsync(await client.GetAsync("/api/v1/patients?page=1"))).Select(p => p.Id));

        var one = Assert.Single(all, p => p.Id == enrolled[4]);
        Assert.Equal("Given04 Walker", one.Name);
        Assert.Equal("1954-03-09", one.DateOfBirth);
        Assert.True(Nhi.IsValid(one.Nhi));
    }

    [Fact]
    public async Task A_page_past_the_end_is_an_empty_list()
    {
        var practice = await _portal.CreatePracticeAsync("Short List Practice");
        await RegisterAsync(practice, "Aroha", "Parata", new DateOnly(1970, 6, 1));
        var administrator = await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        using var client = await _portal.SignInApiAsync(administrator);

        Assert.Single(await ReadAsync(await client.GetAsync("/api/v1/patients?page=1")));
        foreach (var page in new[] { "2", "99", "2147483647" })
        {
            var past = await client.GetAsync($"/api/v1/patients?page={page}");
            Assert.Equal(HttpStatusCode.OK, past.StatusCode);
            Assert.False(past.Headers.Contains("Link"));
            Assert.Equal("[]", await past.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("99999999999")]
    public async Task A_page_that_is_not_a_whole_number_from_1_is_refused_with_a_reason(string page)
    {
        var practice = await _portal.CreatePracticeAsync("Bad Page Practice");
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        using var client = await _portal.SignInApiAsync(clinician);

        var answer = await client.GetAsync($"/api/v1/patients?page={Uri.EscapeDataString(page)}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("page must be a whole number from 1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patients_proxies_operators_and_privacy_officers_may_not_list_patients()
    {
        var practice = await _portal.CreatePracticeAsync("Forbidden List Practice");
        var patient = await _portal.CreatePatientAsync(practice);
        var proxy = await _portal.CreatePatientAsync(practice);
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().GrantProxyAsync(
            proxy.AccountId, patient.PatientId!.Value, ProxyReason.NamedByPatient, null, CancellationToken.None));
        var before = await LastSequenceAsync();
        var refused = new (TestUser User, string Detail)[]
        {
            (patient, "This list is for practice staff."),
            (proxy, "This list is for practice staff."),
            (await _portal.CreateOperatorAsync(OperatorRole.SupportAgent), "This list is for practice staff."),
            (await _portal.CreateOperatorAsync(OperatorRole.IncidentManager), "This list is for practice staff."),
            (await _portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer), "This list is for a practice's clinicians and administrators."),
        };

        foreach (var (user, detail) in refused)
        {
            using var client = await _portal.SignInApiAsync(user);
            var answer = await client.GetAsync("/api/v1/patients");
            Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Equal(detail, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        Assert.Equal(0, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.Sequence > before && e.Action == AuditAction.PatientListViewed)));
    }

    [Fact]
    public async Task The_list_needs_a_bearer_token_not_the_browser_session()
    {
        var practice = await _portal.CreatePracticeAsync("Cookie Practice");
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        using var browser = await _portal.SignInWebAsync(clinician);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/patients")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.NewClient().GetAsync("/api/v1/patients")).StatusCode);
    }

    [Fact]
    public async Task Each_patient_on_a_page_is_one_audited_read_and_no_one_else_is()
    {
        var practice = await _portal.CreatePracticeAsync("Audited List Practice");
        for (var i = 0; i < PracticeService.ListPageSize + 3; i++)
        {
            await RegisterAsync(practice, $"Given{i:D2}", "Henare", new DateOnly(1980, 1, 1).AddDays(i));
        }
        var administrator = await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        using var client = await _portal.SignInApiAsync(administrator);

        foreach (var page in new[] { 1, 2 })
        {
            var before = await LastSequenceAsync();
            var shown = await ReadAsync(await client.GetAsync($"/api/v1/patients?page={page}"));
            var reads = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
                .Where(e => e.Sequence > before && e.Action == AuditAction.PatientListViewed).ToListAsync());

            Assert.Equal(shown.Select(p => p.Id).Order(), reads.Select(e => e.PatientId!.Value).Order());
            Assert.All(reads, e =>
            {
                Assert.Equal(AuditOutcome.Success, e.Outcome);
                Assert.Equal(administrator.AccountId, e.ActorAccountId);
                Assert.Equal(practice.Id, e.PracticeId);
                Assert.Equal("api", e.Client);
            });
        }
    }

    [Fact]
    public async Task A_guard_that_refuses_the_list_stops_it_before_any_patient_is_sent()
    {
        var guard = new ListRefusingGuard();
        await using var portal = await TestPortal.StartAsync(configure: builder => builder.Services.AddSingleton<IAccessGuard>(guard));
        var practice = await portal.CreatePracticeAsync();
        var patient = await portal.CreatePatientAsync(practice);
        var nhi = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patient.PatientId).Select(p => p.Nhi).SingleAsync());
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        using var client = await portal.SignInApiAsync(clinician);

        var answer = await client.GetAsync("/api/v1/patients");

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.DoesNotContain(nhi, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var events = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == clinician.AccountId && (e.Action == AuditAction.PatientListViewed || e.Action == AuditAction.ReadRefusedByGuard))
            .ToListAsync());
        var refusal = Assert.Single(events);
        Assert.Equal(AuditAction.ReadRefusedByGuard, refusal.Action);
        Assert.Equal(patient.PatientId, refusal.PatientId);
    }

    private sealed class ListRefusingGuard : IAccessGuard
    {
        public ValueTask<GuardRefusal?> CheckAsync(GuardedRead read, CancellationToken cancellationToken) =>
            ValueTask.FromResult(read.Action == AuditAction.PatientListViewed ? new GuardRefusal("test guard") : null);
    }

    private static async Task<List<Listed>> ReadAsync(HttpResponseMessage answer)
    {
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync<List<Listed>>())!;
    }

    private Task<long> LastSequenceAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.MaxAsync(e => e.Sequence));

    private async Task<Guid> RegisterAsync(Practice practice, string given, string family, DateOnly dateOfBirth)
    {
        var registration = await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(TestPortal.NewTestNhi(), given, family, dateOfBirth, $"p-{Guid.NewGuid():N}@example.nz", null, ContactMethod.Email),
            invite: false, staffAccountId: null, CancellationToken.None));
        return registration.NewPatient!.Id;
    }

    private Task<int> MoveAsync(Guid patientId, Practice to) =>
        _portal.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<EnrolmentService>().EnrolAsync(patientId, to.Id, DateOnly.FromDateTime(_portal.Clock.GetUtcNow().UtcDateTime), CancellationToken.None);
            return await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
        });
}
