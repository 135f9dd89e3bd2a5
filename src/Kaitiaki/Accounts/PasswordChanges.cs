using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

/// <summary>
/// The one place an account's password is replaced, whether on the password page inside a session or by recovery. The
/// callers have already checked who is asking; this sets the password through Identity (so the security stamp moves),
/// ends what the old password could still open, records it and tells the owner.
/// </summary>
internal sealed class PasswordChanges(
    KaitiakiDb db, UserManager<Account> users, SessionStore sessions, AuditTrail audit, SecurityNotices notices, TimeProvider clock)
{
    /// <summary>What is wrong with the new password under Identity's rules (at least 12 characters); empty when it will do.</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(Account account, string password)
    {
        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, account, password);
            problems.AddRange(result.Errors.Select(e => e.Description));
        }
        return problems;
    }

    /// <summary>
    /// Replaces the password and, in the same transaction, ends every session but <paramref name="keepSessionId"/>,
    /// half-finished sign-ins (a challenge opened with the old password) and recoveries in progress. False when the
    /// account was changed by another request at the same moment: then nothing was changed.
    /// </summary>
    /// <param name="how">For the audit trail, no personal data: "password page", "recovery".</param>
    public async Task<bool> ReplaceAsync(Account account, string newPassword, Guid? keepSessionId, string how, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Identity's own calls: the new password is validated and hashed with the current settings, and the stamp moves.
        var removed = await users.RemovePasswordAsync(account);
        if (!removed.Succeeded || !(await users.AddPasswordAsync(account, newPassword)).Succeeded)
        {
            return false;
        }
        // The person has just shown both their factors, as at a sign-in, which also resets the count.
        account.AccessFailedCount = 0;
        account.LockoutEnd = null;
        var open = await db.MfaChallenges.Where(c => c.AccountId == account.Id && c.CompletedAt == null && c.ExpiresAt > now).ToListAsync(cancellationToken);
        open.ForEach(c => c.ExpiresAt = now);
        var recoveries = await db.PasswordRecoveries.Where(r => r.AccountId == account.Id && r.EndedAt == null).ToListAsync(cancellationToken);
        recoveries.ForEach(r => r.EndedAt = now);
        audit.Record(AuditAction.PasswordChanged, detail: how, actorAccountId: account.Id);
        await db.SaveChangesAsync(cancellationToken);
        await sessions.RevokeAllAsync(account.Id, "password changed", cancellationToken, except: keepSessionId);
        await transaction.CommitAsync(cancellationToken);
        await notices.SendAsync(account, SecurityNoticeKind.PasswordChanged, cancellationToken);
        return true;
    }
}
