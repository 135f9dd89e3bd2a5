using System.Security.Cryptography;
using Kaitiaki.Audit;
using Kaitiaki.Documents.Encryption;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents;

internal sealed record ShredCandidate(Guid DocumentId, string Rule, DateTime UploadedAt);

internal sealed record VerifyReport(int Checked, IReadOnlyList<string> Problems, IReadOnlyList<string> BlobsWithoutRows, IReadOnlyList<Guid> RowsWithoutBlobs)
{
    public bool Clean => Problems.Count == 0 && RowsWithoutBlobs.Count == 0;
}

/// <summary>
/// The slow, whole-store jobs: destroying deleted and expired documents (crypto-shredding: the data key is
/// erased, then the blob), and checking that every document still opens and matches its hash.
/// </summary>
internal sealed class DocumentMaintenance(KaitiakiDb db, MasterKeys keys, IDocumentStore store, AuditTrail audit, KaitiakiOptions options, TimeProvider clock)
{
    /// <summary>Shreds documents deleted longer ago than the grace period.</summary>
    public async Task<int> PurgeAsync(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-options.Documents.DeleteGraceDays);
        var ids = await db.Documents.Where(d => d.DeletedAt != null && d.DeletedAt < cutoff && d.ShreddedAt == null)
            .Select(d => d.Id).ToListAsync(cancellationToken);
        for (var i = 0; i < ids.Count; i++)
        {
            await ShredAsync(ids[i], "deleted; grace period over", cancellationToken);
            progress?.Report(100.0 * (i + 1) / ids.Count);
        }
        return ids.Count;
    }

    /// <summary>Documents past their retention rule ("source.category" or "source.all"), oldest first. Specific rules win over "all".</summary>
    public async Task<List<ShredCandidate>> RetentionCandidatesAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var found = new Dictionary<Guid, ShredCandidate>();
        foreach (var (rule, days) in options.Documents.RetentionDays.OrderBy(r => r.Key.EndsWith(".all", StringComparison.OrdinalIgnoreCase)))
        {
            var parts = rule.Split('.', 2);
            if (!Enum.TryParse<DocumentSource>(parts[0], ignoreCase: true, out var source))
            {
                continue;
            }
            var cutoff = now.AddDays(-days);
            var query = db.Documents.Where(d => d.Source == source && d.ShreddedAt == null && d.UploadedAt < cutoff);
            if (!parts[1].Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                var category = parts[1].ToLowerInvariant();
                query = query.Where(d => d.Category == category);
            }
            else
            {
                // A category with its own rule for this source follows that rule, longer or shorter.
                var ruled = options.Documents.RetentionDays.Keys
                    .Select(k => k.Split('.', 2))
                    .Where(p => p[0].Equals(parts[0], StringComparison.OrdinalIgnoreCase) && !p[1].Equals("all", StringComparison.OrdinalIgnoreCase))
                    .Select(p => p[1].ToLowerInvariant())
                    .ToList();
                query = query.Where(d => !ruled.Contains(d.Category));
            }
            foreach (var d in await query.Select(d => new { d.Id, d.UploadedAt }).ToListAsync(cancellationToken))
            {
                found.TryAdd(d.Id, new ShredCandidate(d.Id, rule, d.UploadedAt));
            }
        }
        return [.. found.Values.OrderBy(c => c.UploadedAt)];
    }

    public async Task<int> ApplyRetentionAsync(IReadOnlyList<ShredCandidate> candidates, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            await ShredAsync(candidates[i].DocumentId, $"retention {candidates[i].Rule}", cancellationToken);
            progress?.Report(100.0 * (i + 1) / candidates.Count);
        }
        return candidates.Count;
    }

    /// <summary>Erases the data key (so no copy of the blob, backups included, can ever be opened), audits it, then removes the blob.</summary>
    public async Task ShredAsync(Guid documentId, string reason, CancellationToken cancellationToken)
    {
        var document = await db.Documents.FirstAsync(d => d.Id == documentId, cancellationToken);
        if (document.ShreddedAt is not null)
        {
            return;
        }
        document.WrappedKey = null;
        document.ShreddedAt = clock.GetUtcNow().UtcDateTime;
        document.ShredReason = reason.Length > 100 ? reason[..100] : reason;
        audit.Record(AuditAction.DocumentShredded, patientId: document.PatientId, practiceId: document.PracticeId,
            resourceType: "Document", resourceId: document.Id, bytes: document.SizeBytes, detail: document.ShredReason);
        await db.SaveChangesAsync(cancellationToken);
        await store.DeleteAsync(document.BlobName, cancellationToken);
    }

    /// <summary>Opens every live document and checks its hash; lists blobs without rows and rows without blobs. Deletes nothing.</summary>
    public async Task<VerifyReport> VerifyAsync(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var rows = await db.Documents.AsNoTracking().Where(d => d.WrappedKey != null).ToListAsync(cancellationToken);
        var problems = new List<string>();
        var missing = new List<Guid>();
        var names = rows.Select(r => r.BlobName).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            try
            {
                var dataKey = keys.Unwrap(row.KekId, row.WrappedKey!);
                await using var blob = await store.OpenReadAsync(row.BlobName, cancellationToken);
                await using var hasher = new HashingSink();
                await DocumentCipher.DecryptAsync(blob, hasher, dataKey, row.Id, row.PatientId, row.SizeBytes, 0, row.SizeBytes - 1, cancellationToken);
                CryptographicOperations.ZeroMemory(dataKey);
                if (!hasher.Hash().AsSpan().SequenceEqual(row.Sha256))
                {
                    problems.Add($"Document {row.Id}: content does not match its recorded SHA-256.");
                }
            }
            catch (BlobMissingException)
            {
                missing.Add(row.Id);
            }
            catch (MasterKeyMissingException ex)
            {
                problems.Add($"Document {row.Id}: {ex.Message}");
            }
            catch (CryptographicException)
            {
                problems.Add($"Document {row.Id}: its data key does not unwrap (altered, or wrapped under another key).");
            }
            catch (DocumentIntegrityException ex)
            {
                problems.Add($"Document {row.Id}: {ex.Message}");
            }
            progress?.Report(100.0 * (i + 1) / Math.Max(1, rows.Count));
        }
        var orphans = new List<string>();
        var shredded = await db.Documents.AsNoTracking().Where(d => d.WrappedKey == null).Select(d => d.BlobName).ToListAsync(cancellationToken);
        await foreach (var name in store.ListAsync(cancellationToken))
        {
            if (!names.Contains(name))
            {
                orphans.Add(shredded.Contains(name) ? $"{name} (shredded document: its key is gone, the blob can be removed)" : name);
            }
        }
        await audit.RecordAndSaveAsync(AuditAction.DocumentsVerified, detail: $"{rows.Count} checked, {problems.Count} problems", cancellationToken: cancellationToken);
        return new VerifyReport(rows.Count, problems, orphans, missing);
    }

    /// <summary>Hashes what is written to it and keeps nothing.</summary>
    private sealed class HashingSink : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Hash() => _hash.GetHashAndReset();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
