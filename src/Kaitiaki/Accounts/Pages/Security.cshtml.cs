using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts.Pages;

[Authorize]
[Audited(AuditAction.SessionRevoked, AuditAction.SessionsRevokedEverywhere, AuditAction.RecoveryCodesRegenerated, AuditAction.MfaEnrolled,
    AuditAction.PasskeyAdded, AuditAction.PasskeyRemoved, AuditAction.PasswordConfirmationFailed, AuditAction.PasswordConfirmationRefused)]
internal sealed class SecurityModel(
    KaitiakiDb db, SessionStore sessions, UserManager<Account> users, InvitationService invitations, PasskeyService passkeys,
    PasswordConfirmation passwords, SecurityNotices notices, AuditTrail audit, TimeProvider clock) : PageModel
{
    public List<AccountSession> Sessions { get; private set; } = [];

    /// <summary>Now, for "3 minutes ago": how long since a device was last used matters more than the exact time.</summary>
    public DateTime Now => clock.GetUtcNow().UtcDateTime;
    public Guid? CurrentSessionId { get; private set; }
    public bool HasAuthenticator { get; private set; }
    public bool EmailCodes { get; private set; }
    public int RecoveryCodesLeft { get; private set; }

    public string RecoveryCodesSummary => RecoveryCodesLeft switch
    {
        0 => "none",
        var n => $"{n} left",
    };

    public string RecoveryCodesIntro => RecoveryCodesLeft == 0
        ? "You don't have any recovery codes. If you lose your phone or can't get to your e-mail, a recovery code lets you sign in. Make some now and keep them somewhere safe; you'll be asked for your password first."
        : "Make new recovery codes if you've used or lost yours. Please confirm your password first.";

    public string RecoveryCodesButton => RecoveryCodesLeft == 0 ? "Make recovery codes" : "Make new recovery codes";
    public List<string>? NewRecoveryCodes { get; private set; }
    public IList<UserPasskeyInfo> Passkeys { get; private set; } = [];
    public string? Message { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Like "Firefox on Windows": the stored user-agent means nothing to most people.</summary>
    public string DeviceOf(AccountSession session) => UserAgentFamilies.Describe(session.Device);

    public string NetworkOf(AccountSession session) => NetworkNames.Describe(session.IpAddress);

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        if (!await sessions.RevokeAsync(accountId, id, "revoked by account holder", cancellationToken))
        {
            return NotFound();
        }
        if (id == User.SessionId())
        {
            await HttpContext.SignOutAsync(AccountsSetup.CookieScheme);
            return Redirect("/account/logout");
        }
        Message = "That device has been signed out.";
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAllAsync(CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        await sessions.RevokeAllAsync(account.Id, "sign out everywhere", cancellationToken);
        await notices.SendAsync(account, SecurityNoticeKind.SignedOutEverywhere, cancellationToken);
        await HttpContext.SignOutAsync(AccountsSetup.CookieScheme);
        return Redirect("/account/logout");
    }

    public async Task<IActionResult> OnPostEmailCodesAsync(bool enable, CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        if (!enable && account.TotpSecret is null)
        {
            Error = "E-mailed codes are your only way to confirm it's you, so they can't be turned off until you set up an authenticator app.";
        }
        else
        {
            account.EmailCodeEnabled = enable;
            audit.Record(AuditAction.MfaEnrolled, detail: enable ? "email codes on" : "email codes off");
            var added = enable && db.Entry(account).Property(a => a.EmailCodeEnabled).IsModified;
            await db.SaveChangesAsync(cancellationToken);
            if (added)
            {
                await notices.SendAsync(account, SecurityNoticeKind.MfaMethodAdded, cancellationToken);
            }
            Message = enable ? "E-mailed codes are on." : "E-mailed codes are off.";
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRecoveryCodesAsync(string? password, CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        switch (await passwords.ConfirmAsync(account, password, "recovery codes", cancellationToken))
        {
            case PasswordCheck.Wrong:
                Error = "That password isn't right, so no new codes were made.";
                await LoadAsync(cancellationToken);
                return Page();
            case PasswordCheck.Paused:
                Error = PasswordConfirmation.PausedMessage + " No new codes were made.";
                await LoadAsync(cancellationToken);
                return Page();
        }
        NewRecoveryCodes = invitations.AddRecoveryCodes(account.Id);
        audit.Record(AuditAction.RecoveryCodesRegenerated);
        await db.SaveChangesAsync(cancellationToken);
        await notices.SendAsync(account, SecurityNoticeKind.RecoveryCodesReplaced, cancellationToken);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPasskeyOptionsAsync(CancellationToken cancellationToken) =>
        Content(await passkeys.BeginRegistrationAsync(await CurrentAccountAsync(cancellationToken), HttpContext), "application/json");

    public async Task<IActionResult> OnPostAddPasskeyAsync(string? credential, string? name, CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        var problem = string.IsNullOrEmpty(credential)
            ? PasskeyService.NeedsJavaScript
            : await passkeys.CompleteRegistrationAsync(account, credential, name, HttpContext);
        if (problem is null)
        {
            await notices.SendAsync(account, SecurityNoticeKind.PasskeyAdded, cancellationToken);
            Message = "Your passkey has been added. Next time, choose \"Sign in with a passkey\".";
        }
        else
        {
            Error = problem;
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRemovePasskeyAsync(string? credentialId, CancellationToken cancellationToken)
    {
        if (credentialId is null || !await passkeys.RemoveAsync(await CurrentAccountAsync(cancellationToken), credentialId))
        {
            return NotFound();
        }
        Message = "The passkey has been removed.";
        await LoadAsync(cancellationToken);
        return Page();
    }

    private Task<Account> CurrentAccountAsync(CancellationToken cancellationToken)
    {
        var id = User.AccountId();
        return db.Users.FirstAsync(a => a.Id == id, cancellationToken);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var account = await CurrentAccountAsync(cancellationToken);
        CurrentSessionId = User.SessionId();
        Sessions = await sessions.ListLiveAsync(account.Id, cancellationToken);
        HasAuthenticator = account.TotpSecret is not null;
        EmailCodes = account.EmailCodeEnabled;
        Passkeys = await users.GetPasskeysAsync(account);
        RecoveryCodesLeft = await db.RecoveryCodes.CountAsync(c => c.AccountId == account.Id && c.UsedAt == null, cancellationToken);
    }
}
