using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Kaitiaki.Storage;

/// <summary>The single row that counts changes to who may read what. See <see cref="AccessRevisions"/>.</summary>
internal sealed class AccessRevision
{
    public const int SingletonId = 1;

    public int Id { get; set; }
    public long Value { get; set; }
}

/// <summary>
/// A counter in the database that moves on, in the same transaction, with every change that could take access away
/// or change who is signed in: every write to a table marked <see cref="AccessStateAttribute"/> (a session revoked, an
/// account locked, a staff membership, proxy grant or enrolment changed, a document deleted, hidden, shredded or
/// re-keyed), by the database's own triggers, so ExecuteUpdate and raw SQL move it too. It lets decisions about access be remembered between
/// requests and still be exact: a remembered decision carries the revision it was made at, and the audit event that
/// records the read is committed only if the revision has not moved since (<see cref="Audit.AuditWriter"/>). Other
/// processes (the command line, other servers) move the same counter, so their changes are seen too.
/// This object keeps the highest revision this process has seen, so that its own changes take effect at once.
/// </summary>
internal sealed class AccessRevisions
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

    internal static Task<long> CurrentAsync(KaitiakiDb db, CancellationToken cancellationToken) =>
        db.AccessRevisions.Where(r => r.Id == AccessRevision.SingletonId).Select(r => r.Value).FirstAsync(cancellationToken);

    /// <summary>
    /// Does this pending change touch access state (<see cref="AccessStateAttribute"/>)? The database's triggers move the
    /// revision whatever this says; a save that answers yes reads the new revision afterwards, so that this process's own
    /// changes take effect here at once.
    /// </summary>
    internal static bool IsAccessChange(EntityEntry entry)
    {
        if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)
            || AccessStateAttribute.Of(entry.Metadata.ClrType) is not { } mark)
        {
            return false;
        }
        return entry.State switch
        {
            EntityState.Added => mark.CountsInserts,
            EntityState.Deleted => true,
            _ => mark.Columns.Length == 0 || mark.Columns.Any(c => entry.Property(c).IsModified),
        };
    }
}
