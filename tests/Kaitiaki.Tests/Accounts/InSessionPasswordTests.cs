using System.Net;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>A password typed again inside a session counts towards the sign-in lockout and is audited; a lockout stops the check but not the session.</summary>
[Trait("Category", "Integration")]
public sealed class InSessionPasswordTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Wrong_passwords_on_the_recovery_codes_form_are_audited_and_lock_the_account_without_ending_the_session()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var wrong = await RecoveryCodesAsync(web, "not the password");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        var right = await RecoveryCodesAsync(web, patient.Password);

        Assert.Contains("paused", await WebForms.ErrorSummaryAsync(right), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().RecoveryCodes.CountAsync(c => c.AccountId == patient.AccountId)));
        Assert.Equal(5, await CountAsync(patient, AuditAction.PasswordConfirmationFailed));
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordConfirmationRefused));
        Assert.Equal(1, await CountAsync(patient, AuditAction.AccountLockedOut));
        // The session carries on; a new sign-in is paused like any locked account's.
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/account/security")).StatusCode);
        var signIn = await WebForms.PostAsync(_portal.NewClient(), "/account/login",
            new Dictionary<string, string> { ["Email"] = patient.Email, ["Password"] = patient.Password });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_on_the_delete_form_count_towards_the_same_lockout_as_sign_in()
    {
        var (patient, api, ids) = await _portal.PatientWithDocumentsAsync(1);
        var web = await _portal.SignInWebAsync(patient);
        // Two wrong passwords at sign-in and three on the delete form make five.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await WebForms.PostAsync(_portal.NewClient(), "/account/login",
                new Dictionary<string, string> { ["Email"] = patient.Email, ["Password"] = "not the password" });
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var wrong = await DeleteAsync(web, ids[0], "not the password");
            Assert.Contains("isn't right", await WebForms.ErrorSummaryAsync(wrong), StringComparison.Ordinal);
        }
        var fifth = await DeleteAsync(web, ids[0], "not the password");
        var right = await DeleteAsync(web, ids[0], patient.Password);

        Assert.Contains("paused", await WebForms.ErrorSummaryAsync(fifth), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("paused", await WebForms.ErrorSummaryAsync(right), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/v1/documents/{ids[0]}")).StatusCode);
        Assert.Equal(3, await CountAsync(patient, AuditAction.PasswordConfirmationFailed));
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/patient/documents")).StatusCode);
    }

    private static Task<HttpResponseMessage> RecoveryCodesAsync(HttpClient web, string password) =>
        WebForms.PostAsync(web, "/account/security", new Dictionary<string, string> { ["password"] = password }, handler: "RecoveryCodes");

    private static Task<HttpResponseMessage> DeleteAsync(HttpClient web, Guid id, string password) =>
        WebForms.PostAsync(web, "/patient/documents", new Dictionary<string, string> { ["id"] = id.ToString(), ["password"] = password }, handler: "Delete");

    private Task<int> CountAsync(TestUser user, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.CountAsync(e => e.ActorAccountId == user.AccountId && e.Action == action));
}
