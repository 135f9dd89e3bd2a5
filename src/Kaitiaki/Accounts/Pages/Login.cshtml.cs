using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Accounts.Pages;

[AllowAnonymous]
[Audited(AuditAction.SignIn, AuditAction.PasskeySignIn)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class LoginModel(SignInService signIn, PasskeyService passkeys, SessionStore sessions, KaitiakiOptions options) : PageModel
{
    public const string ChallengeCookie = "kaitiaki-mfa";

    // The same words for a wrong password, an unknown address and a paused account, so they cannot be told apart.
    public const string SignInFailed = "The e-mail address or password is not right. Please check them and try again. " +
                                       "After several wrong tries, signing in to an account pauses for 15 minutes.";

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <summary>A passkey that verified belongs to a suspended account.</summary>
    public bool Paused { get; private set; }

    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Redirect("/") : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var start = await signIn.BeginAsync(Email, Password, cancellationToken);
        switch (start.Status)
        {
            case SignInStatus.MfaRequired:
                Response.Cookies.Append(options.CookieName(ChallengeCookie), start.ChallengeId!.Value.ToString(),
                    options.ShortLivedCookie(SignInService.ChallengeLifetime));
                return RedirectToPage("/Accounts/Pages/Mfa");
            default:
                Error = SignInFailed;
                return Page();
        }
    }

    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        Content(await passkeys.BeginSignInAsync(HttpContext), "application/json");

    public async Task<IActionResult> OnPostPasskeyAsync(string? credential, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(credential))
        {
            // The button was pressed with JavaScript off: nothing was tried, so nothing failed.
            Error = PasskeyService.NeedsJavaScript + " You can sign in with your password and code instead.";
            return Page();
        }
        var (account, hold) = await passkeys.CompleteSignInAsync(credential, HttpContext, cancellationToken);
        switch (hold)
        {
            case SignInHold.AccountSuspended:
                Paused = true;
                return Page();
            case SignInHold.RenewalRequired:
                // Passkeys are among the details being replaced, so only the password and a code lead on to renewing them.
                Error = "Your account needs a new password and a new authenticator app. Please sign in with your e-mail address, " +
                        "password and code to set them up.";
                return Page();
        }
        if (account is null)
        {
            Error = "That passkey didn't work. Please sign in with your password and code instead.";
            return Page();
        }
        var (session, _) = await sessions.CreateAsync(account, SessionKind.Cookie, Request.Headers.UserAgent.ToString(),
            HttpContext.Connection.RemoteIpAddress?.ToString(), "passkey", cancellationToken);
        await HttpContext.SignInAsync(AccountsSetup.CookieScheme, SessionPrincipalFactory.CookiePrincipal(session));
        return Redirect("/");
    }
}
