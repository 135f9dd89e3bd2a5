using Kaitiaki.Accounts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Audit.Pages;

/// <summary>
/// For support agents helping someone who has phoned in, after the identity checks: an account's sign-in security, and
/// signing it out everywhere. The e-mail address is posted, never put in the address bar, so it stays out of history and logs.
/// </summary>
[Authorize(Policy = AccountsSetup.SupportPolicy)]
[Audited(AuditAction.AccountSecurityLookedUp, AuditAction.SessionsRevokedBySupport)]
internal sealed class SupportAccountModel(AccountSecurityLookup lookup) : PageModel
{
    public string? Email { get; private set; }
    public AccountSecurityStatus? Status { get; private set; }
    public bool NoAccount { get; private set; }
    public Problem? Problem { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? account, string? done, CancellationToken cancellationToken)
    {
        if (account is not { } id)
        {
            return Page();
        }
        Status = await lookup.StatusAsync(id, cancellationToken);
        if (Status is null)
        {
            return NotFound();
        }
        Message = done == "signed-out" ? $"{Status.DisplayName} has been signed out everywhere. They can sign in again straight away." : null;
        return Page();
    }

    public async Task<IActionResult> OnPostLookupAsync(string? email, CancellationToken cancellationToken)
    {
        Email = email?.Trim();
        if (string.IsNullOrEmpty(Email) || !Email.Contains('@', StringComparison.Ordinal) || Email.Length > 256)
        {
            Problem = new Problem("Enter the e-mail address of their Kaitiaki account, like name@example.nz.", "email");
            return Page();
        }
        if (await lookup.FindByEmailAsync(Email, cancellationToken) is not { } id)
        {
            NoAccount = true;
            return Page();
        }
        // Answered with a redirect, so the e-mail address never reaches the address bar and a refresh cannot re-post it.
        return Redirect($"/operator/support?account={id:N}");
    }

    public async Task<IActionResult> OnPostSignOutAsync(Guid account, string? password, CancellationToken cancellationToken)
    {
        var (result, _) = await lookup.SignOutEverywhereAsync(User.AccountId()!.Value, password, account, cancellationToken);
        switch (result)
        {
            case SupportSignOutResult.SignedOut:
                return Redirect($"/operator/support?account={account:N}&done=signed-out");
            case SupportSignOutResult.NoSuchAccount:
                return NotFound();
            case SupportSignOutResult.WrongPassword:
                Problem = new Problem("That password isn't right, so nobody was signed out. Enter your own Kaitiaki password.", "password");
                break;
            default:
                Problem = new Problem("Operator accounts are looked after by the security team, so they can't be signed out here.");
                break;
        }
        Status = await lookup.StatusAsync(account, cancellationToken);
        return Status is null ? NotFound() : Page();
    }

    public static string KindOf(AccountSecurityStatus status) => status.Kind switch
    {
        AccountKind.Patient => "Patient",
        AccountKind.Staff => "Practice staff",
        AccountKind.Operator => status.OperatorRole is { } role ? $"Operator ({Roles.Of(role)})" : "Operator",
        _ => "Unknown",
    };
}
