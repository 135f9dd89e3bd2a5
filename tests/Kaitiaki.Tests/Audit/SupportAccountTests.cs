using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Practices;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Audit;

/// <summary>The support agent's page: an account's sign-in security by e-mail, and signing it out everywhere, each audited by account id.</summary>
[Trait("Category", "Integration")]
public sealed partial class SupportAccountTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task An_agent_sees_how_an_account_signs_in_and_nothing_of_the_health_record_and_each_lookup_is_audited_by_account_id()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        await _portal.SignInTokenAsync(patient);
        await _portal.SignInTokenAsync(patient);
        var until = await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var account = await users.FindByIdAsync(patient.AccountId.ToString());
            var end = _portal.Clock.GetUtcNow().AddMinutes(12);
            await users.SetLockoutEndDateAsync(account!, end);
            return end.UtcDateTime;
        });
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);

        var found = await LookUpAsync(agent, patient.Email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Redirect, found.StatusCode);
        Assert.Equal($"/operator/support?account={patient.AccountId:N}", found.Headers.Location!.OriginalString);
        var page = await agent.GetStringAsync(found.Headers.Location);

        Assert.Contains("Patient", page, StringComparison.Ordinal);
        Assert.Contains("Authenticator app</dt><dd class=\"govuk-summary-list__value\">Set up", page, StringComparison.Ordinal);
        Assert.Contains("Passkeys</dt><dd class=\"govuk-summary-list__value\">None", page, StringComparison.Ordinal);
        Assert.Contains("None left", page, StringComparison.Ordinal);
        Assert.Contains("2 devices or apps", page, StringComparison.Ordinal);
        Assert.Contains($"until <time datetime=\"{NzTime.Iso(until)}\">{NzTime.DateAndTime(until)}</time>", page, StringComparison.Ordinal);
        var nhi = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.Where(p => p.Id == patient.PatientId).Select(p => p.Nhi).SingleAsync());
        Assert.DoesNotContain(nhi, page, StringComparison.Ordinal);
        Assert.DoesNotContain(patient.Email, page, StringComparison.OrdinalIgnoreCase);

        var missing = await LookUpAsync(agent, $"nobody-{Guid.NewGuid():N}@example.nz");
        Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
        Assert.Contains("no Kaitiaki account with that e-mail address", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var lookups = await EventsByAsync(agentUser.AccountId, AuditAction.AccountSecurityLookedUp);
        Assert.Equal(2, lookups.Count);
        Assert.Equal((AuditOutcome.Success, "Account", patient.AccountId), (lookups[0].Outcome, lookups[0].ResourceType, lookups[0].ResourceId!.Value));
        Assert.Null(lookups[0].PatientId);
        Assert.Equal((AuditOutcome.Failure, (Guid?)null), (lookups[1].Outcome, lookups[1].ResourceId));
        Assert.All(lookups, e => Assert.DoesNotContain("@", e.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sign_out_everywhere_asks_for_the_agents_password_then_ends_every_session_of_the_account_and_is_audited()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var phone = await _portal.SignInApiAsync(patient);
        var laptop = await _portal.SignInApiAsync(patient);
        var agentUser = await _portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var agent = await _portal.SignInWebAsync(agentUser);

        var wrong = await SignOutAsync(agent, patient.AccountId, "not my password at all");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("That password isn&#x27;t right, so nobody was signed out", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/api/v1/me")).StatusCode);

        var right = await SignOutAsync(agent, patient.AccountId, agentUser.Password);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Contains("has been signed out everywhere", await agent.GetStringAsync(right.Headers.Location), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync("/api/v1/me")).StatusCode);
        // The agent is still signed in: only the account they were helping was signed out.
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/operator/support")).StatusCode);

        var signOuts = await EventsByAsync(agentUser.AccountId, AuditAction.SessionsRevokedBySupport);
        Assert.Equal([AuditOutcome.Failure, AuditOutcome.Success], signOuts.Select(e => e.Outcome));
        Assert.All(signOuts, e => Assert.Equal(patient.AccountId, e.ResourceId));
        Assert.Equal("2 sessions", signOuts[1].Detail);
        // The owner is told, as they would be of their own "sign out everywhere".
        await _portal.MailSentAsync();
        Assert.Contains(await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email),
            body => body.Contains("Kaitiaki support signed your account out on every device", StringComparison.Ordinal));

        // An operator's account is the security team's to sign out.
        var analyst = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var analystApi = await _portal.SignInApiAsync(analyst);
        var refused = await SignOutAsync(agent, analyst.AccountId, agentUser.Password);
        Assert.Contains("looked after by the security team", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await analystApi.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Patients_clinicians_and_incident_managers_cannot_reach_the_support_tools()
    {
        var practice = await _portal.CreatePracticeAsync();
        foreach (var user in new[]
                 {
                     await _portal.CreatePatientAsync(practice),
                     await _portal.CreateStaffAsync(practice, StaffRole.Clinician),
                     await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator),
                     await _portal.CreateOperatorAsync(OperatorRole.IncidentManager),
                 })
        {
            var client = await _portal.SignInWebAsync(user);
            var answer = await client.GetAsync($"/operator/support?account={user.AccountId:N}");
            AssertRefused(answer);
        }
    }

    private async Task<HttpResponseMessage> LookUpAsync(HttpClient agent, string email) =>
        await agent.PostAsync("/operator/support?handler=Lookup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["__RequestVerificationToken"] = await TokenAsync(agent),
        }));

    private async Task<HttpResponseMessage> SignOutAsync(HttpClient agent, Guid accountId, string password) =>
        await agent.PostAsync("/operator/support?handler=SignOut", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["account"] = accountId.ToString("N"),
            ["password"] = password,
            ["__RequestVerificationToken"] = await TokenAsync(agent),
        }));

    private static async Task<string> TokenAsync(HttpClient client) =>
        AntiforgeryField().Match(await client.GetStringAsync("/operator/support")).Groups[1].Value;

    private Task<List<AuditEvent>> EventsByAsync(Guid actor, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == actor && e.Action == action).OrderBy(e => e.Sequence).ToListAsync());

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    // A refused page answers 403 or 404, or, for a signed-in browser, sends it to the "not available" page.
    private static void AssertRefused(HttpResponseMessage answer) =>
        Assert.True(answer.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound
                    || (answer.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal)),
            $"Expected a refusal, got {(int)answer.StatusCode}.");
}
