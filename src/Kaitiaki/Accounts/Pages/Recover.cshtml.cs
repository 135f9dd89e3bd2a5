using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Accounts.Pages;

internal enum RecoverPageStep
{
    Email,
    Code,
    SecondFactor,
    NewPassword,
    Done,
}

/// <summary>
/// The forgotten-password page. Between steps the browser holds only the recovery's id, protected with Data Protection
/// in a short-lived cookie; how far the person has got is kept on the server, so nothing they could edit moves them on.
/// </summary>
[AllowAnonymous]
[Audited(AuditAction.PasswordRecoveryRequested, AuditAction.PasswordRecoveryCodeChecked, AuditAction.SecondFactorChecked, AuditAction.AccountLockedOut,
    AuditAction.PasswordChanged, AuditAction.SessionsRevokedEverywhere)]
[EnableRateLimiting(RateLimits.Recovery)]
internal sealed class RecoverModel(PasswordRecoveries recoveries, IDataProtectionProvider protection, KaitiakiOptions options) : PageModel
{
    // The same words whether or not the address has an account, so the page never tells anyone which addresses do.
    public const string CodeSent =
        "If there's an account for that address, we've e-mailed a code to it. It can take a minute to arrive, and it stops working after 15 minutes.";

    public const string CodeEnded =
        "That code has stopped working. Codes last 15 minutes, a newer request replaces an older code, and a code stops after 5 wrong tries. " +
        "Please ask for a new code.";

    private string Cookie => options.CookieName("kaitiaki-recovery");
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Kaitiaki.PasswordRecovery").ToTimeLimitedDataProtector();

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? Method { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public RecoverPageStep Step { get; private set; }
    public List<string> Methods { get; private set; } = [];
    public Problem? Problem { get; private set; }
    public string? Notice { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await ShowAsync(await CurrentAsync(cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostRequestAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Email))
        {
            Problem = new Problem("Enter the e-mail address you sign in with.", "email");
            Step = RecoverPageStep.Email;
            return Page();
        }
        var id = await recoveries.RequestAsync(Email, (await CurrentAsync(cancellationToken))?.Id, cancellationToken);
        Response.Cookies.Append(Cookie, _protector.Protect(id.ToString(), PasswordRecoveries.CodeLifetime),
            options.ShortLivedCookie(PasswordRecoveries.CodeLifetime));
        Notice = CodeSent;
        Step = RecoverPageStep.Code;
        return Page();
    }

    public async Task<IActionResult> OnPostCodeAsync(CancellationToken cancellationToken)
    {
        if (await CurrentAsync(cancellationToken) is not { } recovery)
        {
            return Restart(CodeEnded);
        }
        if (PasswordRecoveries.StepOf(recovery) == RecoveryStep.Code)
        {
            if (string.IsNullOrWhiteSpace(Code))
            {
                Problem = new Problem("Enter the code from the e-mail we sent you.", "code");
                Step = RecoverPageStep.Code;
                return Page();
            }
            switch (await recoveries.CheckCodeAsync(recovery, Code, cancellationToken))
            {
                case RecoveryCheck.Ended:
                    return Restart(CodeEnded);
                case RecoveryCheck.Wrong:
                    Problem = new Problem("That code isn't right. Please check the newest e-mail from us and try again.", "code");
                    Step = RecoverPageStep.Code;
                    return Page();
            }
        }
        await ShowAsync(recovery, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSecondFactorAsync(CancellationToken cancellationToken)
    {
        if (await CurrentAsync(cancellationToken) is not { } recovery)
        {
            return Restart(CodeEnded);
        }
        // As posted: showing the step picks a method for the radios, and must not swap in one the person did not choose.
        var method = Method;
        await ShowAsync(recovery, cancellationToken);
        if (Step != RecoverPageStep.SecondFactor)
        {
            return Page();
        }
        if (string.IsNullOrWhiteSpace(Code))
        {
            Problem = new Problem("Enter a code from your authenticator app, or one of your recovery codes.", "code");
            return Page();
        }
        switch (await recoveries.CheckSecondFactorAsync(recovery, method ?? Methods.FirstOrDefault(), Code, cancellationToken))
        {
            case RecoveryCheck.Accepted:
                await ShowAsync(recovery, cancellationToken);
                break;
            case RecoveryCheck.Ended:
                return Restart(CodeEnded);
            case RecoveryCheck.Paused:
                Problem = new Problem("For your safety, checking codes for your account is paused for 15 minutes after several wrong tries. " +
                                      "Please ask for a new e-mailed code after 15 minutes.", "code");
                break;
            case RecoveryCheck.Unavailable:
                Problem = new Problem("Please choose one of the ways shown to confirm it's you.", "code");
                break;
            default:
                Problem = new Problem("That code isn't right, or it has already been used. Please check it and try again. " +
                                      "After several wrong tries, checking codes pauses for 15 minutes.", "code");
                break;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        if (await CurrentAsync(cancellationToken) is not { } recovery)
        {
            return Restart(CodeEnded);
        }
        await ShowAsync(recovery, cancellationToken);
        if (Step != RecoverPageStep.NewPassword)
        {
            return Page();
        }
        if (string.IsNullOrEmpty(NewPassword))
        {
            Problem = new Problem("Enter a new password.", "new-password");
            return Page();
        }
        if (NewPassword != ConfirmPassword)
        {
            Problem = new Problem("The two new passwords don't match. Please type them again.", "confirm-password");
            return Page();
        }
        if (await recoveries.CompleteAsync(recovery, NewPassword, cancellationToken) is { } problems)
        {
            Problem = new Problem("Please choose a different new password. " + string.Join(" ", problems), "new-password");
            return Page();
        }
        Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
        Step = RecoverPageStep.Done;
        Notice = "Your password has been changed, and you've been signed out everywhere.";
        return Page();
    }

    public IActionResult OnPostRestart() => Restart(null);

    private PageResult Restart(string? problem)
    {
        Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
        Problem = problem is null ? null : new Problem(problem, "email", "Please start again");
        Step = RecoverPageStep.Email;
        return Page();
    }

    private async Task<PasswordRecovery?> CurrentAsync(CancellationToken cancellationToken)
    {
        var token = Request.Cookies[Cookie];
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            return await recoveries.FindLiveAsync(Guid.Parse(_protector.Unprotect(token)), cancellationToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private async Task ShowAsync(PasswordRecovery? recovery, CancellationToken cancellationToken)
    {
        Step = recovery is null ? RecoverPageStep.Email : PasswordRecoveries.StepOf(recovery) switch
        {
            RecoveryStep.Code => RecoverPageStep.Code,
            RecoveryStep.SecondFactor => RecoverPageStep.SecondFactor,
            _ => RecoverPageStep.NewPassword,
        };
        if (Step == RecoverPageStep.SecondFactor)
        {
            Methods = await recoveries.MethodsAsync(recovery!, cancellationToken);
            Method = Methods.Contains(Method ?? "") ? Method : Methods.FirstOrDefault();
        }
    }
}
