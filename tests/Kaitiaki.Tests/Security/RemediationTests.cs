using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>Credential remediation: a security analyst ends an account's sessions and requires new sign-in details.</summary>
[Trait("Category", "Integration")]
public sealed class RemediationTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Remediation_ends_every_session_and_is_audited_with_the_analyst_as_actor()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        var api = await _portal.SignInApiAsync(patient);
        var analyst = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var analystApi = await _portal.SignInApiAsync(analyst);

        var response = await RemediateAsync(analystApi, patient.AccountId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(patient.AccountId, body.GetProperty("accountId").GetGuid());
        Assert.Equal(2, body.GetProperty("sessionsEnded").GetInt32());
        Assert.Equal("remediation-required", body.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/me")).StatusCode);
        var page = await web.GetAsync("/account/security");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/account/login", new Uri(_portal.Client.BaseAddress!, page.Headers.Location!).AbsolutePath);

        var remediated = Assert.Single(await EventsAsync(e => e.Action == AuditAction.CredentialsRemediated && e.ResourceId == patient.AccountId));
        Assert.Equal(AuditOutcome.Success, remediated.Outcome);
        Assert.Equal(analyst.AccountId, remediated.ActorAccountId);
        Assert.Equal("Account", remediated.ResourceType);
        Assert.Equal("2 sessions", remediated.Detail);
        Assert.NotNull((await AccountAsync(patient.AccountId)).RemediationRequiredAt);

        await _portal.MailSentAsync();
        var notice = (await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email))[^1];
        Assert.Contains("renewed", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("http", notice, StringComparison.OrdinalIgnoreCase);

        var again = await (await RemediateAsync(analystApi, patient.AccountId)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("already-pending", again.GetProperty("status").GetString());
        Assert.Equal(0, again.GetProperty("sessionsEnded").GetInt32());
    }

    [Fact]
    public async Task Remediating_an_unknown_account_answers_404_and_changes_nothing()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var api = await _portal.SignInApiAsync(patient);
        var analyst = await AnalystAsync();
        var unknown = Guid.NewGuid();
        var pendingBefore = await PendingCountAsync();

        var response = await RemediateAsync(analyst, unknown);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("There is no such account.", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(pendingBefore, await PendingCountAsync());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync("/api/v1/me")).StatusCode);
        Assert.All(await EventsAsync(e => e.Action == AuditAction.CredentialsRemediated && e.ResourceId == unknown),
            e => Assert.Equal(AuditOutcome.Failure, e.Outcome));
    }

    [Theory]
    [InlineData("support agent")]
    [InlineData("incident manager")]
    [InlineData("clinician")]
    [InlineData("patient")]
    public async Task Only_a_security_analyst_may_remediate_an_account(string who)
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var api = await _portal.SignInApiAsync(patient);
        var caller = who switch
        {
            "support agent" => await _portal.CreateOperatorAsync(OperatorRole.SupportAgent),
            "incident manager" => await _portal.CreateOperatorAsync(OperatorRole.IncidentManager),
            "clinician" => await _portal.CreateStaffAsync(practice, Kaitiaki.Practices.StaffRole.Clinician),
            _ => await _portal.CreatePatientAsync(practice),
        };

        var response = await RemediateAsync(await _portal.SignInApiAsync(caller), patient.AccountId);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Forbidden", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Null((await AccountAsync(patient.AccountId)).RemediationRequiredAt);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);
        Assert.Empty(await EventsAsync(e => e.Action == AuditAction.CredentialsRemediated && e.ResourceId == patient.AccountId));
    }

    [Fact]
    public async Task A_web_browser_cookie_cannot_remediate_even_for_an_analyst()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var analystWeb = await _portal.SignInWebAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

        var response = await RemediateAsync(analystWeb, patient.AccountId);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null((await AccountAsync(patient.AccountId)).RemediationRequiredAt);
    }

    private static Task<HttpResponseMessage> RemediateAsync(HttpClient client, Guid accountId) =>
        client.PostAsync($"/api/v1/security/accounts/{accountId}/remediate", null);

    private async Task<HttpClient> AnalystAsync() => await _portal.SignInApiAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

    private Task<Account> AccountAsync(Guid accountId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.AsNoTracking().SingleAsync(a => a.Id == accountId));

    private Task<int> PendingCountAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.CountAsync(a => a.RemediationRequiredAt != null));

    private Task<List<AuditEvent>> EventsAsync(System.Linq.Expressions.Expression<Func<AuditEvent, bool>> which) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().Where(which).ToListAsync());
}
