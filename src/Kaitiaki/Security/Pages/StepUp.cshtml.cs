using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>Where a browser session asked for its second factor again is sent, and sent back from once it has given it.</summary>
[Authorize]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimits.SignIn)]
[Audited(AuditAction.ContainmentUndone, AuditAction.SecondFactorChecked)]
internal sealed class StepUpModel(StepUps stepUps) : PageModel
{
    [BindProperty] public string? Method { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }

    public Problem? Problem { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var result = await stepUps.GiveAsync(User.AccountId()!.Value, User.SessionId()!.Value, Method ?? SignInService.MethodTotp, Code, cancellationToken);
        if (result == StepUpResult.Wrong)
        {
            Problem = new Problem("That code didn't work. Enter the current six-digit code from your authenticator app, or one of your recovery codes.", "code");
            return Page();
        }
        // Only back to a page of this portal.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
