using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Accounts.Pages;

[AllowAnonymous]
[Audited(AuditAction.SignOut)]
internal sealed class LogoutModel(SessionStore sessions) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (User.AccountId() is { } accountId && User.SessionId() is { } sessionId)
        {
            await sessions.RevokeAsync(accountId, sessionId, "signed out", cancellationToken);
        }
        await HttpContext.SignOutAsync(AccountsSetup.CookieScheme);
        return RedirectToPage();
    }
}
