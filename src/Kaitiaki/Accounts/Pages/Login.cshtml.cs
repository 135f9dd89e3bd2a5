using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Accounts.Pages;

[AllowAnonymous]
[Audited(AuditAction.SignIn)]
[EnableRateLimiting(RateLimits.SignIn)]
public sealed class LoginModel(SignInService signIn, KaitiakiOptions options) : PageModel
{
    public const string ChallengeCookie = "kaitiaki-mfa";

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

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
            case SignInStatus.LockedOut:
                Error = "This account is locked for 15 minutes after too many unsuccessful attempts. " +
                        "Please wait and try again. If this wasn't you, please contact your practice.";
                return Page();
            default:
                Error = "The e-mail address or password is not right. Please check them and try again.";
                return Page();
        }
    }
}
