using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents;

internal sealed record KeyStatus(string? CurrentKeyId, IReadOnlyDictionary<string, int> DataKeysByMasterKey, IReadOnlyList<string> ActiveKeys)
{
    public bool RotationInProgress => DataKeysByMasterKey.Any(k => k.Key != CurrentKeyId && k.Value > 0);
}

/// <summary>
/// Master-key rotation: a new key becomes current, every data key is re-wrapped under it in batches (each its
/// own transaction, so an interrupted run simply carries on where it stopped), and only when no data key
/// needs an old master key is that key retired. Blobs are never touched.
/// </summary>
internal sealed class KeyRotation(KaitiakiDb db, MasterKeys keys, TotpSeeds seeds, AuditTrail audit)
{
    private const int BatchSize = 200;

    public async Task<KeyStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var counts = await db.Documents.Where(d => d.WrappedKey != null)
            .GroupBy(d => d.KekId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return new KeyStatus(keys.TryCurrentKeyId(), counts, keys.ActiveKeyIds());
    }

    /// <returns>The number of document data keys re-wrapped (authenticator seeds are re-sealed too, and not counted here), and the keys retired.</returns>
    public async Task<(int Rewrapped, IReadOnlyList<string> Retired)> RotateAsync(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var status = await StatusAsync(cancellationToken);
        if (status.CurrentKeyId is null && status.DataKeysByMasterKey.Count > 0)
        {
            throw new MasterKeyMissingException("current");
        }
        // An unfinished rotation is resumed rather than started again with yet another key.
        var target = status.RotationInProgress ? status.CurrentKeyId! : keys.Rotate();
        if (!status.RotationInProgress)
        {
            await audit.RecordAndSaveAsync(AuditAction.MasterKeyRotated, detail: $"new master key {target}", cancellationToken: cancellationToken);
        }
        var total = await db.Documents.CountAsync(d => d.WrappedKey != null && d.KekId != target, cancellationToken);
        var done = 0;
        while (true)
        {
            var batch = await db.Documents.Where(d => d.WrappedKey != null && d.KekId != target)
                .OrderBy(d => d.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }
            foreach (var document in batch)
            {
                var dataKey = keys.Unwrap(document.KekId, document.WrappedKey!);
                document.WrappedKey = keys.Wrap(target, dataKey);
                document.KekId = target;
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
            }
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            done += batch.Count;
            progress?.Report(total == 0 ? 100 : 100.0 * done / total);
        }

        var resealed = await ResealSeedsAsync(target, cancellationToken);

        var stillUsed = await db.Documents.Where(d => d.WrappedKey != null).Select(d => d.KekId).Distinct().ToListAsync(cancellationToken);
        // Authenticator seeds are sealed under master keys too (Accounts/TotpSeeds); a key they need is never retired.
        stillUsed.AddRange(await SeedMasterKeysAsync(cancellationToken));
        var retired = keys.ActiveKeyIds().Where(k => k != target && !stillUsed.Contains(k)).ToList();
        foreach (var key in retired)
        {
            keys.Retire(key);
        }
        await audit.RecordAndSaveAsync(AuditAction.MasterKeyRotated, detail: $"{done} data keys re-wrapped and {resealed} authenticator seeds re-sealed under {target}; retired {retired.Count} keys",
            cancellationToken: cancellationToken);
        progress?.Report(100);
        return (done, retired);
    }

    private async Task<int> ResealSeedsAsync(string target, CancellationToken cancellationToken)
    {
        var accounts = await db.Users.Where(a => a.TotpSecret != null).ToListAsync(cancellationToken);
        var invitations = await db.Invitations.Where(i => i.PendingTotpSecret != null).ToListAsync(cancellationToken);
        var count = 0;
        foreach (var account in accounts.Where(a => TotpSeeds.IsSealed(a.TotpSecret) && TotpSeeds.MasterKeyOf(a.TotpSecret!) != target))
        {
            account.TotpSecret = seeds.Reseal(account.TotpSecret!, account.Id, target);
            count++;
        }
        foreach (var invitation in invitations.Where(i => TotpSeeds.IsSealed(i.PendingTotpSecret) && TotpSeeds.MasterKeyOf(i.PendingTotpSecret!) != target))
        {
            invitation.PendingTotpSecret = seeds.Reseal(invitation.PendingTotpSecret!, invitation.Id, target);
            count++;
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return count;
    }

    private async Task<List<string>> SeedMasterKeysAsync(CancellationToken cancellationToken)
    {
        var stored = await db.Users.Where(a => a.TotpSecret != null).Select(a => a.TotpSecret!)
            .Concat(db.Invitations.Where(i => i.PendingTotpSecret != null).Select(i => i.PendingTotpSecret!))
            .ToListAsync(cancellationToken);
        return [.. stored.Where(TotpSeeds.IsSealed).Select(TotpSeeds.MasterKeyOf).Distinct()];
    }
}
