using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class AccessLogTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Patient_sees_events_about_themselves_and_never_about_another_patient()
    {
        var practice = await _portal.CreatePracticeAsync();
        var aroha = await _portal.CreatePatientAsync(practice);
        var ben = await _portal.CreatePatientAsync(practice);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        // One staff action that touches both patients at once.
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .PanelPageAsync(clinician.AccountId, practice.Id, search: null, page: 1, CancellationToken.None));
        var client = await _portal.SignInApiAsync(aroha);

        var entries = await client.GetFromJsonAsync<List<JsonElement>>("/api/v1/me/access-log");

        var shownIds = entries!.Select(e => e.GetProperty("id").GetGuid()).ToHashSet();
        var shown = await EventsAsync(e => shownIds.Contains(e.Id));
        Assert.Equal(shownIds.Count, shown.Count);
        Assert.All(shown, e => Assert.Equal(aroha.PatientId, e.PatientId));
        Assert.Contains(shown, e => e.Action == AuditAction.EnrolmentStarted);
        Assert.Contains(shown, e => e.Action == AuditAction.PatientListViewed);
        var arohasEvents = await EventsAsync(e => e.PatientId == aroha.PatientId && e.Action != AuditAction.AccessLogViewed);
        Assert.Equal(arohasEvents.Select(e => e.Id).Order(), shownIds.Order());
        var bensEvents = await EventsAsync(e => e.PatientId == ben.PatientId);
        Assert.NotEmpty(bensEvents);
        Assert.DoesNotContain(bensEvents, e => shownIds.Contains(e.Id));
    }

    [Fact]
    public async Task Looking_at_the_access_log_is_itself_audited()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var client = await _portal.SignInApiAsync(patient);

        await client.GetFromJsonAsync<List<JsonElement>>("/api/v1/me/access-log");

        var viewed = Assert.Single(await EventsAsync(e => e.Action == AuditAction.AccessLogViewed));
        Assert.Equal(patient.PatientId, viewed.PatientId);
        Assert.Equal(patient.AccountId, viewed.ActorAccountId);
        Assert.Equal(AuditOutcome.Success, viewed.Outcome);
        Assert.NotNull(viewed.SessionId);
        var next = await client.GetFromJsonAsync<List<JsonElement>>("/api/v1/me/access-log");
        var listed = Assert.Single(next!, e => e.GetProperty("id").GetGuid() == viewed.Id);
        Assert.Equal("You", listed.GetProperty("who").GetString());
    }

    private Task<List<AuditEvent>> EventsAsync(System.Linq.Expressions.Expression<Func<AuditEvent, bool>> filter) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().Where(filter).ToListAsync());
}
