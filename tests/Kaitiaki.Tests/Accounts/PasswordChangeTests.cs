using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>
/// Changing the password inside a session takes the current password and a second factor; it ends every other session,
/// keeps this one, and tells the owner. Each bad input says what was wrong and changes nothing.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class PasswordChangeTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private const string NewPassword = "a kea on the tin roof at dawn";
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Changing_the_password_ends_every_other_session_keeps_this_one_and_e_mails_a_notice()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var here = await _portal.SignInWebAsync(patient);
        var elsewhere = await _portal.SignInWebAsync(patient);
        var app = await _portal.SignInApiAsync(patient);

        var changed = await ChangeAsync(here, Form(patient, _portal.NextTotp(patient)));

        Assert.Null(await WebForms.ErrorSummaryAsync(changed));
        Assert.Contains("Your password has been changed", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.GetAsync("/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync("/api/v1/me")).StatusCode);
        Assert.False(await SignsInAsync(patient.Email, patient.Password));
        Assert.True(await SignsInAsync(patient.Email, NewPassword));
        await _portal.MailSentAsync();
        var notice = Assert.Single(await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email));
        Assert.Contains("password for your Kaitiaki account was changed", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("http", notice, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordChanged));
    }

    [Theory]
    [InlineData("CurrentPassword", "", "Enter your current password")]
    [InlineData("Code", "", "Enter a code")]
    [InlineData("NewPassword", "", "Enter a new password")]
    [InlineData("ConfirmPassword", "a kea on the tin roof at dusk", "don't match")]
    [InlineData("NewPassword", "short one", "at least 12 characters")]
    [InlineData("CurrentPassword", "not the password", "current password isn't right")]
    [InlineData("Code", "000000", "code isn't right")]
    public async Task Each_bad_input_says_what_is_wrong_and_changes_nothing(string field, string value, string expected)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var here = await _portal.SignInWebAsync(patient);
        var elsewhere = await _portal.SignInWebAsync(patient);
        var form = Form(patient, _portal.NextTotp(patient));
        form[field] = value;
        if (field == "NewPassword" && value.Length > 0)
        {
            form["ConfirmPassword"] = value;
        }

        var refused = await ChangeAsync(here, form);

        Assert.Contains(expected, await WebForms.ErrorSummaryAsync(refused) ?? "(no error shown)", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/account/security")).StatusCode);
        Assert.True(await PasswordIsAsync(patient, patient.Password));
        Assert.Equal(0, await CountAsync(patient, AuditAction.PasswordChanged));
        await _portal.MailSentAsync();
        Assert.Empty(await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email));
        // Only guesses count towards the lockout, and each is audited.
        var guessed = expected.Contains("isn't right", StringComparison.Ordinal);
        Assert.Equal(guessed ? 1 : 0, await FailedCountAsync(patient));
        Assert.Equal(field == "CurrentPassword" && guessed ? 1 : 0, await CountAsync(patient, AuditAction.PasswordConfirmationFailed));
        Assert.Equal(field == "Code" && guessed ? 1 : 0, await CountAsync(patient, AuditAction.SecondFactorChecked));
    }

    [Fact]
    public async Task An_e_mailed_code_or_a_recovery_code_works_as_the_second_step_once()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            (await db.Users.SingleAsync(a => a.Id == patient.AccountId)).EmailCodeEnabled = true;
            return await db.SaveChangesAsync();
        });

        Assert.Equal(HttpStatusCode.OK, (await WebForms.PostAsync(web, "/account/password", new Dictionary<string, string>(), "EmailCode")).StatusCode);
        var code = SixDigits().Match(await Outbox.LatestBodyToAsync(_portal.DataDirectory, patient.Email)).Value;
        var form = Form(patient, code);
        form["Method"] = "email";
        Assert.Null(await WebForms.ErrorSummaryAsync(await ChangeAsync(web, form)));

        // The code is spent: a second change with it is refused.
        var again = Form(patient with { Password = NewPassword }, code);
        again["Method"] = "email";
        again["NewPassword"] = again["ConfirmPassword"] = "another long password for later";
        Assert.Contains("e-mail me a code", await WebForms.ErrorSummaryAsync(await ChangeAsync(web, again)) ?? "", StringComparison.OrdinalIgnoreCase);

        var recoveryCodes = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var codes = InvitationService.IssueRecoveryCodes(db, patient.AccountId, _portal.Clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
            return codes;
        });
        again["Method"] = "recovery";
        again["Code"] = recoveryCodes[0];
        Assert.Null(await WebForms.ErrorSummaryAsync(await ChangeAsync(web, again)));
        Assert.True(await PasswordIsAsync(patient, "another long password for later"));
        Assert.Equal(9, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().RecoveryCodes.CountAsync(c => c.AccountId == patient.AccountId && c.UsedAt == null)));
    }

    [Fact]
    public async Task The_e_mailed_code_for_a_password_change_cannot_finish_a_sign_in()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            (await db.Users.SingleAsync(a => a.Id == patient.AccountId)).EmailCodeEnabled = true;
            return await db.SaveChangesAsync();
        });
        await WebForms.PostAsync(web, "/account/password", new Dictionary<string, string>(), "EmailCode");
        var challengeId = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().MfaChallenges
            .Where(c => c.AccountId == patient.AccountId && c.Purpose == ChallengePurpose.PasswordChange).Select(c => c.Id).SingleAsync());
        var code = SixDigits().Match(await Outbox.LatestBodyToAsync(_portal.DataDirectory, patient.Email)).Value;

        var mfa = await _portal.Client.PostAsJsonAsync("/api/v1/auth/mfa", new { challengeId, method = "email", code });

        Assert.NotEqual(HttpStatusCode.OK, mfa.StatusCode);
    }

    private static Dictionary<string, string> Form(TestUser user, string code) => new()
    {
        ["CurrentPassword"] = user.Password,
        ["Method"] = "totp",
        ["Code"] = code,
        ["NewPassword"] = NewPassword,
        ["ConfirmPassword"] = NewPassword,
    };

    private static Task<HttpResponseMessage> ChangeAsync(HttpClient web, Dictionary<string, string> form) =>
        WebForms.PostAsync(web, "/account/password", form);

    private async Task<bool> SignsInAsync(string email, string password)
    {
        var response = await WebForms.PostAsync(_portal.NewClient(), "/account/login", new Dictionary<string, string> { ["Email"] = email, ["Password"] = password });
        return response.StatusCode == HttpStatusCode.Redirect;
    }

    private Task<bool> PasswordIsAsync(TestUser user, string password) =>
        _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            return await users.CheckPasswordAsync((await users.FindByIdAsync(user.AccountId.ToString()))!, password);
        });

    private Task<int> FailedCountAsync(TestUser user) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.Id == user.AccountId).Select(a => a.AccessFailedCount).SingleAsync());

    private Task<int> CountAsync(TestUser user, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.CountAsync(e => e.ActorAccountId == user.AccountId && e.Action == action));

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
