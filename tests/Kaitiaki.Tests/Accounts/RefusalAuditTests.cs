using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>Refusals made before any handler runs leave a trace on the audit trail, without what the person typed.</summary>
[Trait("Category", "Integration")]
public sealed class RefusalAuditTests
{
    [Fact]
    public async Task A_rate_limited_sign_in_is_audited_once_per_burst_without_the_address_typed()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:SignInAttemptsPerMinute"] = "2" });
        var typed = new { email = "someone-probed@example.nz", password = "a guessed password" };

        var answers = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            answers.Add((await portal.Client.PostAsJsonAsync("/api/v1/auth/login", typed)).StatusCode);
        }

        Assert.Equal(3, answers.Count(a => a == HttpStatusCode.TooManyRequests));
        var refusal = Assert.Single(await EventsAsync(portal, AuditAction.RequestRateLimited));
        Assert.Equal(AuditOutcome.Denied, refusal.Outcome);
        Assert.Equal("api", refusal.Client);
        Assert.Contains("/api/v1/auth/login", refusal.Detail, StringComparison.Ordinal);
        var stored = await portal.ReadAllValuesAsync("AuditEvents");
        Assert.DoesNotContain(stored, v => v.Contains("someone-probed", StringComparison.OrdinalIgnoreCase) || v.Contains(typed.password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_form_post_without_its_antiforgery_token_is_refused_and_audited_with_the_actor()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var web = await portal.SignInWebAsync(patient);

        var forged = await web.PostAsync("/account/security?handler=RevokeAll", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var refusal = Assert.Single(await EventsAsync(portal, AuditAction.AntiforgeryRejected));
        Assert.Equal(patient.AccountId, refusal.ActorAccountId);
        Assert.Equal("web", refusal.Client);
        Assert.Equal(AuditOutcome.Denied, refusal.Outcome);
        // Nothing was done: the session is still live.
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/account/security")).StatusCode);
    }

    [Fact]
    public async Task A_forged_sign_in_form_is_audited_without_the_address_typed()
    {
        await using var portal = await TestPortal.StartAsync();

        var forged = await portal.NewClient().PostAsync("/account/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "forged-typed@example.nz", ["Password"] = "typed password" }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var refusal = Assert.Single(await EventsAsync(portal, AuditAction.AntiforgeryRejected));
        Assert.Null(refusal.ActorAccountId);
        var stored = await portal.ReadAllValuesAsync("AuditEvents");
        Assert.DoesNotContain(stored, v => v.Contains("forged-typed", StringComparison.OrdinalIgnoreCase) || v.Contains("typed password", StringComparison.Ordinal));
    }

    private static Task<List<AuditEvent>> EventsAsync(TestPortal portal, AuditAction action) =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().Where(e => e.Action == action).ToListAsync());
}
