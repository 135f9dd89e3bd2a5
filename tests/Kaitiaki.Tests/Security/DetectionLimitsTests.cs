using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>Configured limits, the windows they count over, and the modes, each on a portal of its own.</summary>
public sealed class DetectionLimitsTests
{
    private static readonly Dictionary<string, string> LowLimits = new()
    {
        ["Kaitiaki:Detection:Roles:Patient:DocumentsPerMinute"] = "2",
        ["Kaitiaki:Detection:Roles:Clinician:PatientsPer5Minutes"] = "0",
        ["Kaitiaki:Detection:Roles:Clinician:PatientsPerHour"] = "2",
        ["Kaitiaki:Detection:Roles:Clinician:PatientsPerDay"] = "3",
    };

    [Fact]
    public async Task Limits_count_over_their_windows_and_alerts_without_containment_leave_work_alone()
    {
        await using var portal = await TestPortal.StartAsync(settings: LowLimits);

        // Different documents a minute: two are fine however often each is read, the third is stopped.
        var (_, patient, own) = await portal.PatientWithDocumentsAsync(3);
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync($"/api/v1/documents/{own[i % 2]}/content")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.GetAsync($"/api/v1/documents/{own[2]}/content")).StatusCode);

        // Different patients an hour and a working day: alerts only, and the clinician keeps working.
        var practice = await portal.CreatePracticeAsync();
        var patients = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            patients.Add((await portal.CreatePatientAsync(practice)).PatientId!.Value);
        }
        var staff = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var clinician = await portal.SignInApiAsync(staff);
        async Task ReadAsync(Guid patientId) =>
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"/api/v1/documents?patientId={patientId}")).StatusCode);
        await ReadAsync(patients[0]);
        await ReadAsync(patients[1]);
        Assert.Empty(await RulesAsync(portal, staff.AccountId));
        await ReadAsync(patients[2]);
        Assert.Equal(["wide-reading"], await RulesAsync(portal, staff.AccountId));
        // An hour later the hour's window has moved on; the day's has not: the fourth patient of the day is one too many.
        for (var i = 0; i < 3; i++)
        {
            // Twenty minutes at a time, with a request between, so the session does not time out meanwhile.
            portal.Clock.Advance(TimeSpan.FromMinutes(20.5));
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync("/api/v1/me")).StatusCode);
        }
        await ReadAsync(patients[0]);
        await ReadAsync(patients[3]);
        Assert.Equal(["low-and-slow", "wide-reading"], await RulesAsync(portal, staff.AccountId));
        var alerts = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
            .Where(a => a.AccountId == staff.AccountId).ToListAsync());
        Assert.All(alerts, a => Assert.False(a.Contained));
    }

    [Fact]
    public async Task Observe_mode_raises_the_alert_and_contains_nothing()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>(LowLimits) { ["Kaitiaki:Detection:Mode"] = "observe" });
        var (patient, client, own) = await portal.PatientWithDocumentsAsync(3);
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{own[i % 3]}/content")).StatusCode);
        }
        var alerts = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
            .Where(a => a.AccountId == patient.AccountId).ToListAsync());
        Assert.Equal("bulk-documents", Assert.Single(alerts).Rule);
        Assert.False(alerts[0].Contained);
        Assert.Equal(0, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.CountAsync()));
    }

    [Fact]
    public async Task Off_mode_raises_nothing_but_an_analysts_switch_still_applies()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>(LowLimits) { ["Kaitiaki:Detection:Mode"] = "off" });
        var (_, client, own) = await portal.PatientWithDocumentsAsync(1);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);
        }
        Assert.Equal(0, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.CountAsync()));
        var analyst = await portal.SignInApiAsync(await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));
        Assert.Equal(HttpStatusCode.OK, (await analyst.PutAsJsonAsync("/api/v1/security/switches/documents", new { enabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api/v1/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Containment_in_force_survives_a_restart()
    {
        var first = await TestPortal.StartAsync(settings: LowLimits);
        var (patient, client, own) = await first.PatientWithDocumentsAsync(3);
        first.Clock.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 3; i++)
        {
            await client.GetAsync($"/api/v1/documents/{own[i]}/content");
        }
        await using var portal = await first.RestartAsync();
        // The suspended account signs in again: its password and code are right, and still it gets no access.
        var login = await portal.LoginAsync(patient);
        var mfa = await portal.PostMfaAsync(login, "totp", portal.NextTotp(patient));
        if (mfa.IsSuccessStatusCode)
        {
            var again = portal.BearerClient((await mfa.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()!);
            Assert.Equal(HttpStatusCode.Forbidden, (await again.GetAsync($"/api/v1/documents/{own[0]}/content")).StatusCode);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, mfa.StatusCode);
        }
    }

    private static Task<List<string>> RulesAsync(TestPortal portal, Guid accountId) =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
            .Where(a => a.AccountId == accountId).Select(a => a.Rule).OrderBy(r => r).ToListAsync());
}
