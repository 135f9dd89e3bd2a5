using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

internal enum SessionLiveness
{
    Ended,
    Live,

    /// <summary>Live, and its last-seen time was just moved on in the database.</summary>
    Touched,
}

/// <summary>Server-side sessions: created at sign-in, checked on every request, revoked at once.</summary>
internal sealed class SessionStore(KaitiakiDb db, AuditTrail audit, KaitiakiOptions options, TimeProvider clock)
{
    // Writing last-seen on every request would turn every read into a write; a minute is precise enough for a 30-minute idle limit.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public async Task<(AccountSession Session, string? Token)> CreateAsync(
        Account account, SessionKind kind, string device, string? ip, string method, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        string? token = kind == SessionKind.ApiToken ? Secrets.NewToken() : null;
        var session = new AccountSession
        {
            AccountId = account.Id,
            Kind = kind,
            TokenHash = token is null ? null : Secrets.HashToken(token),
            Device = Truncate(string.IsNullOrWhiteSpace(device) ? "Unknown device" : device, 256),
            IpAddress = ip,
            AuthMethod = method,
            CreatedAt = now,
            LastSeenAt = now,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return (session, token);
    }

    public DateTime ExpiresAt(LiveSession session) =>
        Min(session.LastSeenAt + options.SessionIdleTimeout, session.CreatedAt + options.SessionAbsoluteTimeout);

    public Task<List<AccountSession>> ListLiveAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var idleCutoff = now - options.SessionIdleTimeout;
        var absoluteCutoff = now - options.SessionAbsoluteTimeout;
        return db.Sessions.AsNoTracking()
            .Where(s => s.AccountId == accountId && s.RevokedAt == null && s.LastSeenAt > idleCutoff && s.CreatedAt > absoluteCutoff)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Revokes one of the account's own sessions. False when the account has no such live session.</summary>
    public async Task<bool> RevokeAsync(Guid accountId, Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        var session = await db.Sessions.FirstOrDefaultAsync(
            s => s.Id == sessionId && s.AccountId == accountId && s.RevokedAt == null, cancellationToken);
        if (session is null)
        {
            return false;
        }
        session.RevokedAt = clock.GetUtcNow().UtcDateTime;
        session.RevokedReason = reason;
        audit.Record(reason == "signed out" ? AuditAction.SignOut : AuditAction.SessionRevoked,
            resourceType: "Session", resourceId: sessionId, detail: reason, actorAccountId: accountId);
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Signs the account out everywhere, including the session that asked unless it is <paramref name="except"/>.</summary>
    public async Task<int> RevokeAllAsync(Guid accountId, string reason, CancellationToken cancellationToken, Guid? except = null)
    {
        var count = await MarkAllRevokedAsync(accountId, reason, cancellationToken, except);
        audit.Record(AuditAction.SessionsRevokedEverywhere, detail: except is null ? $"{count} sessions; {reason}" : $"{count} other sessions; {reason}",
            actorAccountId: accountId);
        await db.SaveChangesAsync(cancellationToken);
        return count;
    }

    /// <summary>
    /// Signs someone else's account out everywhere, for a support agent helping them. The event's actor is the agent
    /// and its resource the account, so the trail tells the two apart.
    /// </summary>
    public async Task<int> RevokeAllForSupportAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var count = await MarkAllRevokedAsync(accountId, "signed out everywhere by support", cancellationToken);
        audit.Record(AuditAction.SessionsRevokedBySupport, resourceType: "Account", resourceId: accountId, detail: $"{count} sessions");
        await db.SaveChangesAsync(cancellationToken);
        return count;
    }

    /// <summary>
    /// Marks every session of the account revoked, with the reason, but neither records nor saves: the caller records
    /// its own event and saves both in one unit of work (credential remediation does).
    /// </summary>
    public async Task<int> MarkAllRevokedAsync(Guid accountId, string reason, CancellationToken cancellationToken, Guid? except = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var live = await db.Sessions.Where(s => s.AccountId == accountId && s.RevokedAt == null && s.Id != except).ToListAsync(cancellationToken);
        foreach (var session in live)
        {
            session.RevokedAt = now;
            session.RevokedReason = reason;
        }
        return live.Count;
    }

    /// <summary>
    /// Whether the session is neither revoked nor timed out. Its last-seen time is moved on in the database when it
    /// is more than a minute old (<see cref="SessionLiveness.Touched"/>); the snapshot passed in stays as it was.
    /// </summary>
    public async Task<SessionLiveness> KeepAliveAsync(LiveSession session, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (session.RevokedAt is not null || ExpiresAt(session) <= now)
        {
            return SessionLiveness.Ended;
        }
        if (now - session.LastSeenAt < TouchInterval)
        {
            return SessionLiveness.Live;
        }
        // Last-seen alone changes nobody's access, so this needs neither the change tracker nor a new access revision.
        using (await db.EnterWriteGateAsync(cancellationToken, evenWithoutChanges: true))
        {
            await db.Sessions.Where(s => s.Id == session.Id && s.LastSeenAt < now)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), cancellationToken);
        }
        return SessionLiveness.Touched;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static string Truncate(string value, int length) => value.Length > length ? value[..length] : value;
}
