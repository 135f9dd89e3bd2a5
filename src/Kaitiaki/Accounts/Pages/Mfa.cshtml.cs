using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts.Pages;

[AllowAnonymous]
[Audited(AuditAction.MfaVerify)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class MfaModel(SignInService signIn, CredentialRemediation remediation, KaitiakiDb db, KaitiakiOptions options, TimeProvider clock) : PageModel
{
    [BindProperty]
    public string? Method { get; set; }

    [BindProperty]
    public string? Code { get; set; }

    public List<string> Methods { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Notice { get; private set; }

    /// <summary>The account is suspended: said only now that the password and the code were both right.</summary>
    public bool Paused { get; private set; }

    public static string Describe(string method) => method switch
    {
        SignInService.MethodTotp => "A code from my authenticator app",
        SignInService.MethodEmail => "A code e-mailed to me",
        _ => "One of my recovery codes",
    };

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : RedirectToPage("/Accounts/Pages/Login");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (ChallengeId() is not { } challengeId || !await LoadAsync(cancellationToken))
        {
            return RedirectToPage("/Accounts/Pages/Login");
        }
        var result = await signIn.CompleteAsync(challengeId, Method ?? Methods.FirstOrDefault(), Code, SessionKind.Cookie,
            Request.Headers.UserAgent.ToString(), HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        switch (result.Status)
        {
            case MfaStatus.Succeeded:
                Response.Cookies.Delete(options.CookieName(LoginModel.ChallengeCookie), options.ShortLivedCookie(TimeSpan.Zero));
                await HttpContext.SignInAsync(AccountsSetup.CookieScheme, SessionPrincipalFactory.CookiePrincipal(result.Session!),
                    new AuthenticationProperties { IsPersistent = false });
                return Redirect("/");
            case MfaStatus.AccountSuspended:
                Response.Cookies.Delete(options.CookieName(LoginModel.ChallengeCookie), options.ShortLivedCookie(TimeSpan.Zero));
                Paused = true;
                return Page();
            case MfaStatus.RenewalRequired:
                Response.Cookies.Delete(options.CookieName(LoginModel.ChallengeCookie), options.ShortLivedCookie(TimeSpan.Zero));
                Response.Cookies.Append(options.CookieName(RenewModel.BareCookie), await remediation.BeginRenewalAsync(result.Account!, cancellationToken),
                    options.ShortLivedCookie(CredentialRemediation.RenewalLifetime));
                return RedirectToPage("/Accounts/Pages/Renew");
            case MfaStatus.ChallengeExpired:
                return RedirectToPage("/Accounts/Pages/Login");
            default:
                Error = "That code isn't right, or it has already been used. Please try the newest code. " +
                        "After several wrong tries, signing in pauses for 15 minutes.";
                return Page();
        }
    }

    public async Task<IActionResult> OnPostEmailCodeAsync(CancellationToken cancellationToken)
    {
        if (ChallengeId() is not { } challengeId || !await LoadAsync(cancellationToken))
        {
            return RedirectToPage("/Accounts/Pages/Login");
        }
        if (await signIn.SendEmailCodeAsync(challengeId, cancellationToken))
        {
            Method = SignInService.MethodEmail;
            Notice = "We've e-mailed you a six-digit code. It can take a minute to arrive.";
        }
        return Page();
    }

    private Guid? ChallengeId() =>
        Guid.TryParse(Request.Cookies[options.CookieName(LoginModel.ChallengeCookie)], out var id) ? id : null;

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        if (ChallengeId() is not { } challengeId)
        {
            return false;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var account = await db.MfaChallenges.AsNoTracking()
            .Where(c => c.Id == challengeId && c.Purpose == ChallengePurpose.SignIn && c.CompletedAt == null && c.ExpiresAt > now)
            .Join(db.Users, c => c.AccountId, a => a.Id, (c, a) => a)
            .FirstOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return false;
        }
        Methods = await signIn.MethodsAsync(account, cancellationToken);
        Method ??= Methods.FirstOrDefault();
        return true;
    }
}
