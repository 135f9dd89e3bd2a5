using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

/// <summary>
/// An account's sign-in security as a support agent sees it: how the person can sign in and whether anything is in the
/// way. Counts and yes-or-no only: never a secret, a code or anything from a health record.
/// </summary>
internal sealed record AccountSecurityStatus(
    Guid AccountId,
    string DisplayName,
    AccountKind Kind,
    OperatorRole? OperatorRole,
    bool HasAuthenticator,
    int Passkeys,
    bool EmailCodes,
    int RecoveryCodesLeft,
    DateTime? PausedUntilUtc,
    int LiveSessions,
    DateTime? LastActiveUtc);

internal enum SupportSignOutResult
{
    SignedOut,
    WrongPassword,
    NoSuchAccount,

    /// <summary>Operator accounts are the security team's to sign out, so a support call cannot take the team offline.</summary>
    OperatorAccount,
}

/// <summary>
/// The support agent's tools: look an account up by e-mail address and see its sign-in security, and sign it out
/// everywhere. Every lookup and every sign-out is audited with the account's id; the e-mail address typed never is.
/// </summary>
internal sealed class AccountSecurityLookup(
    KaitiakiDb db, ILookupNormalizer normalizer, SessionStore sessions, AuditTrail audit, TimeProvider clock,
    PasswordConfirmation passwords, SecurityNotices notices)
{
    /// <summary>The account with this e-mail address, or null; a miss is audited too, without the address.</summary>
    public async Task<Guid?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var normalised = normalizer.NormalizeEmail(email.Trim());
        var id = await db.Users.AsNoTracking().Where(a => a.NormalizedEmail == normalised).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            await audit.RecordStandaloneAsync(AuditAction.AccountSecurityLookedUp, AuditOutcome.Failure, detail: "no account with that address");
        }
        return id;
    }

    /// <summary>The account's sign-in security, audited as a lookup of that account; null when there is no such account.</summary>
    public async Task<AccountSecurityStatus?> StatusAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null)
        {
            await audit.RecordStandaloneAsync(AuditAction.AccountSecurityLookedUp, AuditOutcome.Failure, resourceType: "Account", resourceId: accountId,
                detail: "no such account");
            return null;
        }
        var now = clock.GetUtcNow();
        var passkeys = await db.UserPasskeys.CountAsync(p => p.UserId == accountId, cancellationToken);
        var recovery = await db.RecoveryCodes.CountAsync(c => c.AccountId == accountId && c.UsedAt == null, cancellationToken);
        var live = await sessions.ListLiveAsync(accountId, cancellationToken);
        var lastActive = await db.Sessions.Where(s => s.AccountId == accountId).MaxAsync(s => (DateTime?)s.LastSeenAt, cancellationToken);
        var status = new AccountSecurityStatus(
            account.Id, account.DisplayName, account.Kind, account.OperatorRole,
            account.TotpSecret is not null, passkeys, account.EmailCodeEnabled, recovery,
            account.LockoutEnd is { } end && end > now ? end.UtcDateTime : null,
            live.Count, lastActive);
        await audit.RecordStandaloneAsync(AuditAction.AccountSecurityLookedUp, resourceType: "Account", resourceId: accountId);
        return status;
    }

    /// <summary>
    /// Signs the account out of every browser and app, once the agent has given their own password again: whoever holds
    /// the agent's unlocked screen should not be able to do this. A wrong password is audited and changes nothing.
    /// </summary>
    public async Task<(SupportSignOutResult Result, int Sessions)> SignOutEverywhereAsync(
        Guid agentAccountId, string? agentPassword, Guid accountId, CancellationToken cancellationToken)
    {
        var target = await db.Users.AsNoTracking().Where(a => a.Id == accountId).Select(a => new { a.Kind }).FirstOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return (SupportSignOutResult.NoSuchAccount, 0);
        }
        if (target.Kind == AccountKind.Operator)
        {
            await audit.RecordStandaloneAsync(AuditAction.SessionsRevokedBySupport, AuditOutcome.Denied, resourceType: "Account", resourceId: accountId,
                detail: "operator accounts are signed out by the security team");
            return (SupportSignOutResult.OperatorAccount, 0);
        }
        var agent = await db.Users.FirstAsync(a => a.Id == agentAccountId, cancellationToken);
        // The one place a password is asked again inside a session: a wrong one counts towards the agent's lockout.
        if (await passwords.ConfirmAsync(agent, agentPassword, "support sign-out", cancellationToken) != PasswordCheck.Confirmed)
        {
            await audit.RecordStandaloneAsync(AuditAction.SessionsRevokedBySupport, AuditOutcome.Failure, resourceType: "Account", resourceId: accountId,
                detail: "agent's password not confirmed");
            return (SupportSignOutResult.WrongPassword, 0);
        }
        var count = await sessions.RevokeAllForSupportAsync(accountId, cancellationToken);
        // The owner hears of it as they would of their own "sign out everywhere", so a call they did not make is noticed.
        await notices.SendAsync(await db.Users.AsNoTracking().FirstAsync(a => a.Id == accountId, cancellationToken), SecurityNoticeKind.SignedOutBySupport, cancellationToken);
        return (SupportSignOutResult.SignedOut, count);
    }
}
