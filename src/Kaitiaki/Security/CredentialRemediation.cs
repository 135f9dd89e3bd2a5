using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal enum RemediationStatus
{
    /// <summary>The account now needs a new password and authenticator before its next session.</summary>
    RemediationRequired,

    /// <summary>It needed them already; any sessions made since were ended all the same.</summary>
    AlreadyPending,

    /// <summary>There is no such account; nothing was changed.</summary>
    NotFound,
}

internal sealed record RemediationResult(RemediationStatus Status, int SessionsEnded);

/// <summary>
/// Credential remediation, for an account whose sign-in details the security team believes someone else may hold: the
/// analyst's side ends every session and marks the account, so that its next sign-in must replace them.
/// </summary>
internal sealed class CredentialRemediation(KaitiakiDb db, SessionStore sessions, AuditTrail audit, SecurityNotices notices, TimeProvider clock)
{
    private const int SaveAttempts = 3;

    /// <summary>
    /// For a security analyst: ends every session of the account and requires new sign-in details at its next sign-in,
    /// recorded as <see cref="AuditAction.CredentialsRemediated"/> (the analyst the actor, the account the resource) in the
    /// same save. The owner is e-mailed the first time.
    /// </summary>
    public async Task<RemediationResult> RemediateAsync(Guid accountId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var account = await db.Users.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
            if (account is null)
            {
                await audit.RecordStandaloneAsync(AuditAction.CredentialsRemediated, AuditOutcome.Failure, resourceType: "Account", resourceId: accountId,
                    detail: "no such account");
                return new RemediationResult(RemediationStatus.NotFound, 0);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var alreadyPending = account.RemediationRequiredAt is not null;
            account.RemediationRequiredAt ??= now;
            // A new security stamp ends a renewal already under way; a new concurrency stamp makes a sign-in finishing at
            // this very moment fail instead of leaving with a session that this save did not see.
            account.SecurityStamp = Guid.NewGuid().ToString("N");
            account.ConcurrencyStamp = Guid.NewGuid().ToString();
            var ended = await sessions.MarkAllRevokedAsync(accountId, "credentials remediated by the security team", cancellationToken);
            // A sign-in half-done with the old details has to start again.
            var open = await db.MfaChallenges.Where(c => c.AccountId == accountId && c.CompletedAt == null && c.ExpiresAt > now).ToListAsync(cancellationToken);
            open.ForEach(c => c.ExpiresAt = now);
            audit.Record(AuditAction.CredentialsRemediated, resourceType: "Account", resourceId: accountId,
                detail: alreadyPending ? $"{ended} sessions; already pending" : $"{ended} sessions");
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < SaveAttempts)
            {
                // The account changed meanwhile (a sign-in, a failed attempt): read it again and do it all again.
                db.ChangeTracker.Clear();
                continue;
            }
            if (!alreadyPending)
            {
                await notices.SendAsync(account, SecurityNoticeKind.RenewalRequired, cancellationToken);
            }
            return new RemediationResult(alreadyPending ? RemediationStatus.AlreadyPending : RemediationStatus.RemediationRequired, ended);
        }
    }
}
