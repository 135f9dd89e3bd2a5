using System.Net;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>Bearer tokens open the API only and cookies the pages only; the audit trail names the channel that was used.</summary>
[Trait("Category", "Integration")]
public sealed class ChannelTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Theory]
    [InlineData("/account/security")]
    [InlineData("/patient/documents")]
    [InlineData("/patient/access-log")]
    public async Task A_bearer_token_does_not_open_a_page(string page)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var api = await _portal.SignInApiAsync(patient);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);

        var response = await api.GetAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/login", response.Headers.Location?.AbsolutePath);
        Assert.Equal(0, await EventsAsync(patient, "web"));
    }

    [Theory]
    [InlineData("/api/v1/me")]
    [InlineData("/api/v1/documents")]
    [InlineData("/api/v1/me/sessions")]
    public async Task A_browser_session_cookie_does_not_open_the_api(string route)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/patient/documents")).StatusCode);

        var response = await web.GetAsync(route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_audit_trail_names_the_channel_each_read_came_through()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        var api = await _portal.SignInApiAsync(patient);

        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/patient/documents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/documents")).StatusCode);

        var lists = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.ActorAccountId == patient.AccountId && e.Action == AuditAction.DocumentListed)
            .OrderBy(e => e.Sequence).Select(e => e.Client).ToListAsync());
        Assert.Equal(["web", "api"], lists);
    }

    private Task<int> EventsAsync(TestUser user, string client) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.CountAsync(e => e.ActorAccountId == user.AccountId && e.Client == client
            && e.Action != AuditAction.SignIn && e.Action != AuditAction.MfaVerify));
}
