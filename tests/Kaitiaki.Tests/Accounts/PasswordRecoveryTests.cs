using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>
/// A forgotten password is reset with the e-mailed code and a second factor that is not the mailbox; the page answers an
/// unknown address exactly like a known one and sends it nothing; every session ends.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class PasswordRecoveryTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private const string Page = "/account/recover";
    private const string NewPassword = "a tui in the kowhai tree";
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task A_known_address_needs_the_e_mailed_code_and_the_authenticator_then_every_session_ends()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);
        var app = await _portal.SignInApiAsync(patient);
        var browser = _portal.NewClient();

        var requested = await PostAsync(browser, "Request", new() { ["Email"] = patient.Email });
        Assert.Contains(Kaitiaki.Accounts.Pages.RecoverModel.CodeSent, await TextAsync(requested), StringComparison.Ordinal);
        var code = await CodeAsync(patient.Email);
        // Skipping ahead does nothing: the server knows which step this recovery is at.
        await PostAsync(browser, "Password", new() { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword });
        await PostAsync(browser, "Code", new() { ["Code"] = code });
        await PostAsync(browser, "Password", new() { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword });
        Assert.True(await SignsInAsync(patient.Email, patient.Password));
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/account/security")).StatusCode);

        var factor = await PostAsync(browser, "SecondFactor", new() { ["Method"] = "totp", ["Code"] = _portal.NextTotp(patient) });
        Assert.Null(await ErrorAsync(factor));
        var done = await PostAsync(browser, "Password", new() { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword });

        Assert.Null(await ErrorAsync(done));
        Assert.Contains("signed out everywhere", await TextAsync(done), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync("/api/v1/me")).StatusCode);
        Assert.False(await SignsInAsync(patient.Email, patient.Password));
        Assert.True(await SignsInAsync(patient.Email, NewPassword));
        await _portal.MailSentAsync();
        var mails = await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email);
        Assert.Equal(2, mails.Count);
        Assert.Contains("password for your Kaitiaki account was changed", mails[1], StringComparison.Ordinal);
        Assert.All(mails, m => Assert.DoesNotContain("http", m, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordRecoveryRequested, AuditOutcome.Success));
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Success));
        Assert.Equal(1, await CountAsync(patient, AuditAction.SecondFactorChecked, AuditOutcome.Success));
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordChanged, AuditOutcome.Success));

        // The code was used: the finished recovery cannot be gone through again.
        var again = await PostAsync(browser, "Code", new() { ["Code"] = code });
        Assert.Contains("stopped working", await ErrorAsync(again) ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_address_gets_the_same_answers_and_no_e_mail_and_the_audit_holds_no_address_or_code()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var unknown = $"nobody-{Guid.NewGuid():N}@example.nz";
        var known = _portal.NewClient();
        var stranger = _portal.NewClient();

        var knownAnswer = await PostAsync(known, "Request", new() { ["Email"] = patient.Email });
        var unknownAnswer = await PostAsync(stranger, "Request", new() { ["Email"] = unknown });
        Assert.Equal(knownAnswer.StatusCode, unknownAnswer.StatusCode);
        Assert.Equal(await TextAsync(knownAnswer), await TextAsync(unknownAnswer));
        Assert.Equal(knownAnswer.Headers.Contains("Set-Cookie"), unknownAnswer.Headers.Contains("Set-Cookie"));

        var knownWrong = await PostAsync(known, "Code", new() { ["Code"] = "1234 5678" });
        var unknownWrong = await PostAsync(stranger, "Code", new() { ["Code"] = "1234 5678" });
        Assert.Equal(await TextAsync(knownWrong), await TextAsync(unknownWrong));

        await _portal.MailSentAsync();
        Assert.Empty(await Outbox.BodiesToAsync(_portal.DataDirectory, unknown));
        var code = await CodeAsync(patient.Email);
        var audit = await _portal.ReadAllValuesAsync("AuditEvents");
        Assert.DoesNotContain(audit, v => v.Contains(patient.Email, StringComparison.OrdinalIgnoreCase) || v.Contains(unknown, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(audit, v => v.Contains(code, StringComparison.Ordinal) || v.Contains(code.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal));
        Assert.True(await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .AnyAsync(e => e.Action == AuditAction.PasswordRecoveryRequested && e.Outcome == AuditOutcome.Failure && e.ActorAccountId == null)));
    }

    [Fact]
    public async Task An_account_with_only_e_mailed_codes_must_use_a_recovery_code()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var recoveryCodes = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var account = await db.Users.SingleAsync(a => a.Id == patient.AccountId);
            account.TotpSecret = null;
            account.EmailCodeEnabled = true;
            var codes = InvitationService.IssueRecoveryCodes(db, patient.AccountId, _portal.Clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
            return codes;
        });
        var browser = _portal.NewClient();
        await PostAsync(browser, "Request", new() { ["Email"] = patient.Email });
        var step3 = await PostAsync(browser, "Code", new() { ["Code"] = await CodeAsync(patient.Email) });
        Assert.Contains("please use one of your recovery codes", await TextAsync(step3), StringComparison.Ordinal);

        var emailed = await PostAsync(browser, "SecondFactor", new() { ["Method"] = "email", ["Code"] = "123456" });
        Assert.Contains("choose one of the ways", await ErrorAsync(emailed) ?? "", StringComparison.Ordinal);
        await PostAsync(browser, "SecondFactor", new() { ["Method"] = "recovery", ["Code"] = recoveryCodes[0] });
        var done = await PostAsync(browser, "Password", new() { ["NewPassword"] = NewPassword, ["ConfirmPassword"] = NewPassword });

        Assert.Null(await ErrorAsync(done));
        Assert.True(await SignsInAsync(patient.Email, NewPassword));
    }

    [Fact]
    public async Task Without_an_authenticator_or_recovery_codes_the_page_says_to_phone_the_practice()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var account = await db.Users.SingleAsync(a => a.Id == patient.AccountId);
            account.TotpSecret = null;
            account.EmailCodeEnabled = true;
            return await db.SaveChangesAsync();
        });
        var browser = _portal.NewClient();
        await PostAsync(browser, "Request", new() { ["Email"] = patient.Email });
        var step3 = await PostAsync(browser, "Code", new() { ["Code"] = await CodeAsync(patient.Email) });

        Assert.Contains("can't reset your password online", await TextAsync(step3), StringComparison.Ordinal);
        Assert.Contains("phone your practice", await TextAsync(step3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_expires_after_15_minutes_and_works_only_in_the_browser_that_asked_for_it()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var first = _portal.NewClient();
        await PostAsync(first, "Request", new() { ["Email"] = patient.Email });
        var firstCode = await CodeAsync(patient.Email);
        var second = _portal.NewClient();
        await PostAsync(second, "Request", new() { ["Email"] = patient.Email });
        var secondCode = await CodeAsync(patient.Email);

        // The first browser's code is not the second's, and the other way round.
        var crossed = await PostAsync(first, "Code", new() { ["Code"] = secondCode });
        Assert.Contains("isn't right", await ErrorAsync(crossed) ?? "", StringComparison.Ordinal);

        _portal.Clock.Advance(PasswordRecoveries.CodeLifetime + TimeSpan.FromSeconds(1));
        var expired = await PostAsync(second, "Code", new() { ["Code"] = secondCode });
        Assert.Contains("stopped working", await ErrorAsync(expired) ?? "", StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(patient, AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Success));
    }

    [Fact]
    public async Task Five_wrong_codes_end_the_recovery_even_for_the_right_code_afterwards()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var browser = _portal.NewClient();
        await PostAsync(browser, "Request", new() { ["Email"] = patient.Email });
        var code = await CodeAsync(patient.Email);

        for (var attempt = 1; attempt < PasswordRecoveries.MaxCodeAttempts; attempt++)
        {
            var wrong = await PostAsync(browser, "Code", new() { ["Code"] = "0000 0000" });
            Assert.Contains("isn't right", await ErrorAsync(wrong) ?? "", StringComparison.Ordinal);
        }
        var fifth = await PostAsync(browser, "Code", new() { ["Code"] = "0000 0000" });
        var right = await PostAsync(browser, "Code", new() { ["Code"] = code });

        Assert.Contains("stopped working", await ErrorAsync(fifth) ?? "", StringComparison.Ordinal);
        Assert.Contains("stopped working", await ErrorAsync(right) ?? "", StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Denied));
        Assert.Equal(0, await CountAsync(patient, AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Success));
    }

    [Fact]
    public async Task A_locked_account_gets_no_second_factor_checked_and_wrong_ones_count_towards_the_lockout()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var browser = _portal.NewClient();
        await PostAsync(browser, "Request", new() { ["Email"] = patient.Email });
        await PostAsync(browser, "Code", new() { ["Code"] = await CodeAsync(patient.Email) });

        for (var attempt = 0; attempt < 5; attempt++)
        {
            await PostAsync(browser, "SecondFactor", new() { ["Method"] = "totp", ["Code"] = "000000" });
        }
        var right = await PostAsync(browser, "SecondFactor", new() { ["Method"] = "totp", ["Code"] = _portal.NextTotp(patient) });

        Assert.Contains("paused", await ErrorAsync(right) ?? "", StringComparison.Ordinal);
        Assert.Equal(5, await CountAsync(patient, AuditAction.SecondFactorChecked, AuditOutcome.Failure));
        Assert.Equal(1, await CountAsync(patient, AuditAction.SecondFactorChecked, AuditOutcome.Denied));
        Assert.Equal(1, await CountAsync(patient, AuditAction.AccountLockedOut, AuditOutcome.Denied));
    }

    [Fact]
    public async Task After_five_requests_in_an_hour_no_more_codes_are_sent_but_the_answer_is_the_same()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var browser = _portal.NewClient();
        var answers = new List<string>();
        for (var request = 0; request <= PasswordRecoveries.MaxRequestsPerHour; request++)
        {
            answers.Add(await TextAsync(await PostAsync(browser, "Request", new() { ["Email"] = patient.Email })));
        }
        await _portal.MailSentAsync();

        Assert.Single(answers.Distinct());
        Assert.Equal(PasswordRecoveries.MaxRequestsPerHour, (await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email)).Count);
        Assert.Equal(1, await CountAsync(patient, AuditAction.PasswordRecoveryRequested, AuditOutcome.Denied));
        // The newest code sent still works, in the browser that asked for it.
        var newest = await CodeAsync(patient.Email);
        // Another browser asking past the limit is not handed that recovery: the same code there is simply wrong.
        var stranger = _portal.NewClient();
        await PostAsync(stranger, "Request", new() { ["Email"] = patient.Email });
        var taken = await PostAsync(stranger, "Code", new() { ["Code"] = newest });
        Assert.Contains("isn't right", await ErrorAsync(taken) ?? "", StringComparison.Ordinal);
        var step3 = await PostAsync(browser, "Code", new() { ["Code"] = newest });
        Assert.Null(await ErrorAsync(step3));
    }

    [Fact]
    public async Task The_sign_in_page_links_to_recovery()
    {
        var login = await _portal.NewClient().GetStringAsync("/account/login");
        Assert.Contains("href=\"/account/recover\"", login, StringComparison.Ordinal);
        Assert.Contains("Forgotten your password?", login, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string handler, Dictionary<string, string> fields) =>
        WebForms.PostAsync(client, Page, fields, handler);

    /// <summary>The error summary in one line, or null when the page shows none.</summary>
    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        await WebForms.ErrorSummaryAsync(response) is { } error ? Whitespace().Replace(error, " ") : null;

    private async Task<string> CodeAsync(string email)
    {
        await _portal.MailSentAsync();
        return RecoveryCode().Match(await Outbox.LatestBodyToAsync(_portal.DataDirectory, email)).Value;
    }

    /// <summary>The page as a person reads it: the text inside main, without the tokens that differ on every answer.</summary>
    private static async Task<string> TextAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        var main = MainElement().Match(html);
        return WebUtility.HtmlDecode(Whitespace().Replace(Tags().Replace(main.Success ? main.Value : html, " "), " ").Trim());
    }

    private async Task<bool> SignsInAsync(string email, string password)
    {
        var response = await WebForms.PostAsync(_portal.NewClient(), "/account/login", new Dictionary<string, string> { ["Email"] = email, ["Password"] = password });
        return response.StatusCode == HttpStatusCode.Redirect;
    }

    private Task<int> CountAsync(TestUser user, AuditAction action, AuditOutcome outcome) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.ActorAccountId == user.AccountId && e.Action == action && e.Outcome == outcome));

    [GeneratedRegex(@"\b\d{4} \d{4}\b")]
    private static partial Regex RecoveryCode();

    [GeneratedRegex("<main.*?</main>", RegexOptions.Singleline)]
    private static partial Regex MainElement();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
