using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;

namespace Kaitiaki.Accounts;

/// <summary>
/// The one place a wrong password or code is counted towards the account's lockout, whether it was typed at sign-in or
/// inside a session. A lockout only stops new sign-ins and in-session password checks: it never ends a live session, so
/// someone who knows an address cannot log its owner out by guessing. The owner is told once per lockout.
/// </summary>
internal sealed class AccessFailures(KaitiakiDb db, UserManager<Account> users, AuditTrail audit, SecurityNotices notices)
{
    /// <summary>Counts a failure and audits it; returns true when this failure locked the account.</summary>
    public async Task<bool> CountAsync(Account account, AuditAction action, string reason, CancellationToken cancellationToken)
    {
        // Guesses sent at once must all count: when another request updated the account first,
        // Identity reports a concurrency failure, so read the account again and count on top of it.
        var wasLocked = await users.IsLockedOutAsync(account);
        var counted = await users.AccessFailedAsync(account);
        for (var retry = 0; !counted.Succeeded && retry < 10; retry++)
        {
            await db.Entry(account).ReloadAsync(cancellationToken);
            wasLocked = await users.IsLockedOutAsync(account);
            counted = await users.AccessFailedAsync(account);
        }
        if (!counted.Succeeded)
        {
            throw new InvalidOperationException("A failed attempt could not be counted towards the lockout.");
        }
        var lockedNow = !wasLocked && await users.IsLockedOutAsync(account);
        audit.Record(action, AuditOutcome.Failure, detail: reason, actorAccountId: account.Id);
        if (lockedNow)
        {
            audit.Record(AuditAction.AccountLockedOut, AuditOutcome.Denied, detail: "too many failed attempts", actorAccountId: account.Id);
        }
        await db.SaveChangesAsync(cancellationToken);
        if (lockedNow)
        {
            await notices.SendAsync(account, SecurityNoticeKind.SignInPaused, cancellationToken);
        }
        return lockedNow;
    }
}
