using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts.Pages;

/// <summary>
/// Changing the password inside a session asks for the current password and a second factor, so a stolen session alone
/// cannot take the account over. Everything that can be checked without a guess is checked first, so a typing slip in
/// the new password costs no try and no code.
/// </summary>
[Authorize]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimits.SignIn)]
[Audited(AuditAction.PasswordChanged, AuditAction.SecondFactorChecked, AuditAction.PasswordConfirmationFailed, AuditAction.PasswordConfirmationRefused,
    AuditAction.MfaEmailCodeSent, AuditAction.SessionsRevokedEverywhere)]
internal sealed class PasswordModel(
    KaitiakiDb db, SignInService signIn, PasswordConfirmation passwords, AccessFailures failures, PasswordChanges changes) : PageModel
{
    public const string NotChanged = " Your password has not been changed.";

    [BindProperty] public string? CurrentPassword { get; set; }
    [BindProperty] public string? Method { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public List<string> Methods { get; private set; } = [];
    public Problem? Problem { get; private set; }
    public string? Notice { get; private set; }
    public bool Changed { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(await CurrentAccountAsync(cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostEmailCodeAsync(CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        await LoadAsync(account, cancellationToken);
        if (account.EmailCodeEnabled)
        {
            await signIn.StartPasswordChangeCodeAsync(account, cancellationToken);
            Method = SignInService.MethodEmail;
            Notice = "We've e-mailed you a six-digit code. It can take a minute to arrive.";
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        // As posted: loading the page picks a method for the radios, and must not swap in one the person did not choose.
        var method = Method ?? "";
        await LoadAsync(account, cancellationToken);
        Problem = await ProblemAsync(account, method, cancellationToken);
        if (Problem is not null)
        {
            return Page();
        }
        if (!await changes.ReplaceAsync(account, NewPassword!, User.SessionId(), "password page", cancellationToken))
        {
            Problem = new Problem("Your account was changed somewhere else at the same moment." + NotChanged + " Please try again.", "current-password");
            return Page();
        }
        Changed = true;
        Notice = "Your password has been changed. You're still signed in here, and everywhere else you were signed in has been signed out.";
        return Page();
    }

    private async Task<Problem?> ProblemAsync(Account account, string method, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(CurrentPassword))
        {
            return new Problem("Enter your current password.", "current-password");
        }
        if (string.IsNullOrWhiteSpace(Code))
        {
            return new Problem("Enter a code from your authenticator app or e-mail, or one of your recovery codes.", "code");
        }
        if (string.IsNullOrEmpty(NewPassword))
        {
            return new Problem("Enter a new password.", "new-password");
        }
        if (NewPassword != ConfirmPassword)
        {
            return new Problem("The two new passwords don't match. Please type them again.", "confirm-password");
        }
        if (await changes.ProblemsAsync(account, NewPassword) is { Count: > 0 } rules)
        {
            return new Problem("Please choose a different new password. " + string.Join(" ", rules), "new-password");
        }
        if (!Methods.Contains(method))
        {
            return new Problem("Please choose one of the ways shown to confirm it's you.", "code");
        }
        var challenge = method == SignInService.MethodEmail ? await signIn.PasswordChangeChallengeAsync(account.Id, cancellationToken) : null;
        if (method == SignInService.MethodEmail && challenge is null)
        {
            return new Problem("Please choose \"E-mail me a code\" first, then type the code from that e-mail.", "code");
        }
        switch (await passwords.ConfirmAsync(account, CurrentPassword, "change password", cancellationToken))
        {
            case PasswordCheck.Wrong:
                return new Problem("Your current password isn't right." + NotChanged, "current-password");
            case PasswordCheck.Paused:
                return new Problem(PasswordConfirmation.PausedMessage + NotChanged, "current-password");
        }
        if (await signIn.CheckFactorAsync(account, challenge, method, Code, cancellationToken) != FactorCheck.Accepted)
        {
            var locked = await failures.CountAsync(account, AuditAction.SecondFactorChecked, $"change password: wrong {method} code", cancellationToken);
            return new Problem(locked
                ? PasswordConfirmation.PausedMessage + NotChanged
                : "That code isn't right, or it has already been used. Please try the newest code." + NotChanged, "code");
        }
        return null;
    }

    private Task<Account> CurrentAccountAsync(CancellationToken cancellationToken)
    {
        var id = User.AccountId();
        return db.Users.FirstAsync(a => a.Id == id, cancellationToken);
    }

    private async Task LoadAsync(Account account, CancellationToken cancellationToken)
    {
        Methods = await signIn.MethodsAsync(account, cancellationToken);
        Method = Methods.Contains(Method ?? "") ? Method : Methods.FirstOrDefault();
    }
}
