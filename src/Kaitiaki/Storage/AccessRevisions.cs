using Kaitiaki.Accounts;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Kaitiaki.Storage;

/// <summary>The single row that counts changes to who may read what. See <see cref="AccessRevisions"/>.</summary>
public sealed class AccessRevision
{
    public const int SingletonId = 1;

    public int Id { get; set; }
    public long Value { get; set; }
}

/// <summary>
/// A counter in the database that moves on, in the same transaction, with every change that could take access away
/// or change who is signed in: a session revoked, an account locked, a staff membership, proxy grant or enrolment
/// changed, a document deleted, hidden, shredded or re-keyed. It lets decisions about access be remembered between
/// requests and still be exact: a remembered decision carries the revision it was made at, and the audit event that
/// records the read is committed only if the revision has not moved since (<see cref="Audit.AuditWriter"/>). Other
/// processes (the command line, other servers) move the same counter, so their changes are seen too.
/// This object keeps the highest revision this process has seen, so that its own changes take effect at once.
/// </summary>
public sealed class AccessRevisions
{
    private long _known;

    /// <summary>The newest revision this process knows of. Anything remembered at an older one is out of date.</summary>
    public long Known => Interlocked.Read(ref _known);

    public void Observe(long revision)
    {
        var known = Interlocked.Read(ref _known);
        while (revision > known)
        {
            var seen = Interlocked.CompareExchange(ref _known, revision, known);
            if (seen == known)
            {
                return;
            }
            known = seen;
        }
    }

    public async Task<long> ReadAsync(KaitiakiDb db, CancellationToken cancellationToken)
    {
        var value = await CurrentAsync(db, cancellationToken);
        Observe(value);
        return value;
    }

    /// <summary>
    /// Moves the counter on inside the caller's transaction and returns the new value. The update is relative, so
    /// concurrent transactions on PostgreSQL queue on the row and each one counts.
    /// </summary>
    internal static async Task<long> BumpAsync(KaitiakiDb db, CancellationToken cancellationToken)
    {
        await db.AccessRevisions.Where(r => r.Id == AccessRevision.SingletonId)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.Value, x => x.Value + 1), cancellationToken);
        return await CurrentAsync(db, cancellationToken);
    }

    private static Task<long> CurrentAsync(KaitiakiDb db, CancellationToken cancellationToken) =>
        db.AccessRevisions.Where(r => r.Id == AccessRevision.SingletonId).Select(r => r.Value).FirstAsync(cancellationToken);

    /// <summary>Could this pending change take access away from someone, or change what a remembered decision says?</summary>
    internal static bool IsAccessChange(EntityEntry entry)
    {
        if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
        {
            return false;
        }
        var modified = entry.State == EntityState.Modified;
        return entry.Entity switch
        {
            // Only the columns that decide access count. AccountStore saves only the columns that changed, so a sign-in or a
            // wrong password does not move the revision; an account saved without its original values counts whole.
            Account => modified
                ? IsModified(entry, nameof(Account.LockoutEnd), nameof(Account.Kind), nameof(Account.PatientId), nameof(Account.OperatorRole), nameof(Account.DisplayName))
                : entry.State == EntityState.Deleted,
            // New sessions and last-seen touches are not changes of access; revoking one is.
            AccountSession => modified ? IsModified(entry, nameof(AccountSession.RevokedAt), nameof(AccountSession.AccountId)) : entry.State == EntityState.Deleted,
            // New documents give nobody a remembered decision to undo; any change to an existing one might.
            HealthDocument => entry.State != EntityState.Added,
            Patient => entry.State != EntityState.Added,
            Practice => entry.State != EntityState.Added,
            StaffMembership or ProxyGrant or Enrolment => true,
            _ => false,
        };
    }

    private static bool IsModified(EntityEntry entry, params string[] properties) =>
        properties.Any(p => entry.Property(p).IsModified);
}
