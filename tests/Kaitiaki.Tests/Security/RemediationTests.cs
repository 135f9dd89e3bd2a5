using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>
/// Credential remediation: a security analyst ends an account's sessions and requires new sign-in details, which the
/// person chooses on the website at their next sign-in; and a suspended account is told so only after both factors.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class RemediationTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private const string NewPassword = "tuatara pohutukawa lantern";
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
    public async Task The_api_refuses_sign_in_with_403_until_the_details_are_renewed_on_the_website()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        await RemediateAsync(await AnalystAsync(), patient.AccountId);

        var mfa = await _portal.PostMfaAsync(await _portal.LoginAsync(patient), "totp", _portal.NextTotp(patient));

        Assert.Equal(HttpStatusCode.Forbidden, mfa.StatusCode);
        var problem = await mfa.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(SignInService.RenewOnWebsite, problem.GetProperty("detail").GetString());
        Assert.Contains("website", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(await HasLiveSessionAsync(patient.AccountId));
        Assert.Single(await EventsAsync(e => e.Action == AuditAction.MfaVerify && e.ActorAccountId == patient.AccountId
                                              && e.Outcome == AuditOutcome.Denied && e.Detail == "renewal required"));
    }

    [Fact]
    public async Task Renewing_on_the_website_ends_in_a_session_and_only_the_new_password_and_authenticator_work()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var oldRecoveryCode = await _portal.WithScopeAsync(async sp =>
        {
            var codes = sp.GetRequiredService<InvitationService>().AddRecoveryCodes(patient.AccountId);
            await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
            return codes[0];
        });
        await AddPasskeyAsync(patient.AccountId);
        await RemediateAsync(await AnalystAsync(), patient.AccountId);

        var browser = await RenewalStartedAsync(patient);
        var newSeed = await NewSeedAsync(browser);
        var confirmed = await WebForms.PostAsync(browser, "/account/renew", new Dictionary<string, string> { ["Code"] = CodeFor(newSeed) }, "Authenticator");
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        var mismatch = await WebForms.PostAsync(browser, "/account/renew",
            new Dictionary<string, string> { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword + "x" }, "Password");
        Assert.Contains("don't match", await WebForms.ErrorSummaryAsync(mismatch), StringComparison.Ordinal);
        var reused = await WebForms.PostAsync(browser, "/account/renew",
            new Dictionary<string, string> { ["NewPassword"] = patient.Password, ["ConfirmPassword"] = patient.Password }, "Password");
        Assert.Contains("password you had before", await WebForms.ErrorSummaryAsync(reused), StringComparison.Ordinal);
        var done = await WebForms.PostAsync(browser, "/account/renew",
            new Dictionary<string, string> { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword }, "Password");

        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(10, RecoveryCodeItem().Count(await done.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/security")).StatusCode);
        var account = await AccountAsync(patient.AccountId);
        Assert.Null(account.RemediationRequiredAt);
        Assert.Equal(0, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().UserPasskeys.CountAsync(p => p.UserId == patient.AccountId)));
        var completed = Assert.Single(await EventsAsync(e => e.Action == AuditAction.RemediationCompleted && e.ResourceId == patient.AccountId));
        Assert.Equal(patient.AccountId, completed.ActorAccountId);
        Assert.Equal("new password, authenticator and recovery codes; 1 passkeys removed", completed.Detail);

        var renewed = patient with { Password = NewPassword, TotpSecret = newSeed };
        var oldPassword = await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = patient.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.PostMfaAsync(await _portal.LoginAsync(renewed), "totp", _portal.NextTotp(patient))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _portal.PostMfaAsync(await _portal.LoginAsync(renewed), "recovery", oldRecoveryCode)).StatusCode);
        var api = await _portal.SignInApiAsync(renewed);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);
        await _portal.SignInWebAsync(renewed);
    }

    [Fact]
    public async Task A_renewal_under_way_ends_when_the_security_team_remediates_again()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var analyst = await AnalystAsync();
        await RemediateAsync(analyst, patient.AccountId);
        var browser = await RenewalStartedAsync(patient);
        var seed = await NewSeedAsync(browser);

        await RemediateAsync(analyst, patient.AccountId);
        var page = await browser.GetStringAsync("/account/renew");

        Assert.Contains("Please sign in again", page, StringComparison.Ordinal);
        Assert.DoesNotContain(Totp.Grouped(seed), page, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"Code\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_renewal_page_without_a_renewal_under_way_only_says_to_sign_in()
    {
        var page = await _portal.NewClient().GetStringAsync("/account/renew");

        Assert.Contains("Please sign in again", page, StringComparison.Ordinal);
        Assert.DoesNotContain("totp-secret", page, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"NewPassword\"", page, StringComparison.Ordinal);
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

    [Fact]
    public async Task A_suspended_account_answers_like_any_other_until_the_password_and_code_are_right_through_the_api()
    {
        var practice = await _portal.CreatePracticeAsync();
        var suspended = await _portal.CreatePatientAsync(practice);
        var control = await _portal.CreatePatientAsync(practice);
        await SuspendAsync(suspended.AccountId);

        var wrongPassword = await CompareAsync(
            c => _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = c.Email, password = "not the password at all" }), suspended, control);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword);
        var suspendedLogin = await _portal.LoginAsync(suspended);
        var controlLogin = await _portal.LoginAsync(control);
        Assert.Equal(Shape(controlLogin), Shape(suspendedLogin));
        var wrongCode = await CompareAsync(c => _portal.PostMfaAsync(c == suspended ? suspendedLogin : controlLogin, "totp", "000000"), suspended, control);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode);

        var paused = await _portal.PostMfaAsync(suspendedLogin, "totp", _portal.NextTotp(suspended));

        Assert.Equal(HttpStatusCode.Forbidden, paused.StatusCode);
        Assert.Equal(SignInService.AccountPaused, (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.False(await HasLiveSessionAsync(suspended.AccountId));
        Assert.Single(await EventsAsync(e => e.Action == AuditAction.MfaVerify && e.ActorAccountId == suspended.AccountId
                                              && e.Outcome == AuditOutcome.Denied && e.Detail == "account suspended"));
        Assert.Equal(HttpStatusCode.OK, (await _portal.PostMfaAsync(controlLogin, "totp", _portal.NextTotp(control))).StatusCode);
    }

    [Fact]
    public async Task A_suspended_account_on_the_website_is_told_it_is_paused_only_after_the_password_and_code_and_gets_no_session()
    {
        var practice = await _portal.CreatePracticeAsync();
        var suspended = await _portal.CreatePatientAsync(practice);
        var control = await _portal.CreatePatientAsync(practice);
        await SuspendAsync(suspended.AccountId);

        var wrong = new List<string?>();
        foreach (var user in new[] { suspended, control })
        {
            var attempt = await WebForms.PostAsync(_portal.NewClient(), "/account/login",
                new Dictionary<string, string> { ["Email"] = user.Email, ["Password"] = "not the password at all" });
            Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);
            wrong.Add(await WebForms.ErrorSummaryAsync(attempt));
        }
        Assert.Equal(wrong[1], wrong[0]);

        var browser = _portal.NewClient();
        var login = await WebForms.PostAsync(browser, "/account/login", new Dictionary<string, string> { ["Email"] = suspended.Email, ["Password"] = suspended.Password });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var mfaPage = WebUtility.HtmlDecode(await browser.GetStringAsync("/account/mfa"));
        Assert.DoesNotContain(SignInService.AccountPaused, mfaPage, StringComparison.Ordinal);
        var mfa = await WebForms.PostAsync(browser, "/account/mfa", new Dictionary<string, string> { ["Method"] = "totp", ["Code"] = _portal.NextTotp(suspended) });

        Assert.Equal(HttpStatusCode.OK, mfa.StatusCode);
        var html = WebUtility.HtmlDecode(await mfa.Content.ReadAsStringAsync());
        Assert.Contains(SignInService.AccountPaused, html, StringComparison.Ordinal);
        Assert.Contains("helpline", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/account/security")).StatusCode);
        Assert.False(await HasLiveSessionAsync(suspended.AccountId));
    }

    private static Task<HttpResponseMessage> RemediateAsync(HttpClient client, Guid accountId) =>
        client.PostAsync($"/api/v1/security/accounts/{accountId}/remediate", null);

    private async Task<HttpClient> AnalystAsync() => await _portal.SignInApiAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));

    /// <summary>A browser that has given the right password and code of a remediated account, and was sent on to renew.</summary>
    private async Task<HttpClient> RenewalStartedAsync(TestUser user)
    {
        var browser = _portal.NewClient();
        var login = await WebForms.PostAsync(browser, "/account/login", new Dictionary<string, string> { ["Email"] = user.Email, ["Password"] = user.Password });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var mfa = await WebForms.PostAsync(browser, "/account/mfa", new Dictionary<string, string> { ["Method"] = "totp", ["Code"] = _portal.NextTotp(user) });
        Assert.Equal(HttpStatusCode.Redirect, mfa.StatusCode);
        Assert.Equal("/account/renew", mfa.Headers.Location!.OriginalString);
        Assert.False(await HasLiveSessionAsync(user.AccountId));
        return browser;
    }

    private static async Task<string> NewSeedAsync(HttpClient browser)
    {
        var match = SecretOnPage().Match(await browser.GetStringAsync("/account/renew"));
        Assert.True(match.Success, "The renewal page shows no setup key.");
        return match.Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
    }

    private string CodeFor(string seed)
    {
        _portal.Clock.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        return Totp.Code(seed, Totp.StepAt(_portal.Clock.GetUtcNow()));
    }

    /// <summary>Sends the same request for both people; their answers must match apart from the trace id.</summary>
    private static async Task<HttpStatusCode> CompareAsync(Func<TestUser, Task<HttpResponseMessage>> send, TestUser first, TestUser second)
    {
        var a = await send(first);
        var b = await send(second);
        Assert.Equal(b.StatusCode, a.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(b), await WithoutTraceIdAsync(a));
        return a.StatusCode;
    }

    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        json.Remove("traceId");
        return json.ToJsonString();
    }

    /// <summary>A login answer without its challenge id, which differs every time.</summary>
    private static string Shape(JsonElement login)
    {
        var json = JsonNode.Parse(login.GetRawText())!.AsObject();
        json.Remove("challengeId");
        return json.ToJsonString();
    }

    private async Task SuspendAsync(Guid accountId) =>
        await _portal.WithScopeAsync(sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.ContainmentActions.Add(new ContainmentAction
            {
                Kind = ContainmentKind.SuspendAccount, AccountId = accountId, AppliedAt = _portal.Clock.GetUtcNow().UtcDateTime, Reason = "manual",
            });
            return db.SaveChangesAsync();
        });

    private async Task AddPasskeyAsync(Guid accountId) =>
        await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var account = await users.FindByIdAsync(accountId.ToString());
            var passkey = new UserPasskeyInfo(Guid.NewGuid().ToByteArray(), new byte[64], _portal.Clock.GetUtcNow(), 0, ["internal"],
                isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: new byte[16], clientDataJson: new byte[16]) { Name = "Laptop" };
            Assert.True((await users.AddOrUpdatePasskeyAsync(account!, passkey)).Succeeded);
            return true;
        });

    private Task<Account> AccountAsync(Guid accountId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.AsNoTracking().SingleAsync(a => a.Id == accountId));

    private Task<int> PendingCountAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.CountAsync(a => a.RemediationRequiredAt != null));

    private Task<bool> HasLiveSessionAsync(Guid accountId) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Sessions.AnyAsync(s => s.AccountId == accountId && s.RevokedAt == null));

    private Task<List<AuditEvent>> EventsAsync(System.Linq.Expressions.Expression<Func<AuditEvent, bool>> which) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().Where(which).ToListAsync());

    [GeneratedRegex("id=\"totp-secret\">([A-Z2-7 ]+)</p>")]
    private static partial Regex SecretOnPage();

    [GeneratedRegex("<li>[A-Z0-9]{4}-[A-Z0-9]{4}")]
    private static partial Regex RecoveryCodeItem();
}
