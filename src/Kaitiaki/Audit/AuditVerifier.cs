using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

internal sealed record VerificationResult(bool Intact, long EventsChecked, int CheckpointsChecked, long? FirstBadSequence, Guid? FirstBadEventId, string Message);

/// <summary>
/// Walks the chain, whole or over a range: each event must follow the one before it, hash to what it says, and agree
/// with every signed checkpoint; the chain must reach the last checkpoint.
/// </summary>
internal sealed class AuditVerifier(KaitiakiDb db, AuditChain chain, AuditCheckpoints checkpoints, IServiceScopeFactory scopes)
{
    public async Task<VerificationResult> VerifyAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var signed = checkpoints.ReadAll();
        if (Unusable(signed) is { } unusable)
        {
            return unusable;
        }
        var key = chain.Key;
        var bySequence = Vouched(signed.Select(c => c.Checkpoint));

        using var walk = new ChainWalk(key, bySequence, 0, AuditChain.Genesis);
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (walk.Check(e) is { } broken)
            {
                return Fail(walk.Reached, signed.Count, broken.Sequence, broken.Id, broken.Message);
            }
            if (walk.Expected % 10_000 == 0)
            {
                progress?.Report(walk.Reached);
            }
        }

        var last = walk.Reached;
        progress?.Report(last);
        var furthest = signed.Count == 0 ? 0 : signed.Max(c => c.Checkpoint.Sequence);
        if (furthest > last)
        {
            return Fail(last, signed.Count, last + 1, null,
                $"The trail ends at event {last}, but a signed checkpoint vouches for {furthest} events: it was cut short from event {last + 1}.");
        }
        return new VerificationResult(true, last, signed.Count, null, null,
            $"The audit trail is intact: {last} events, {signed.Count} signed checkpoints.");
    }

    /// <summary>
    /// Verifies the part of the chain that holds events <paramref name="first"/> to <paramref name="last"/>: from the
    /// signed checkpoint just before it (or the start), through it, to the next signed checkpoint after it (or the head),
    /// so a change anywhere inside shows as a break or a checkpoint that disagrees. What a breach scope trusts its window to.
    /// </summary>
    public Task<VerificationResult> VerifyRangeAsync(long first, long last, CancellationToken cancellationToken) =>
        VerifyRangeAsync(first, last, null, cancellationToken);

    /// <summary>
    /// The same, and every event from <paramref name="first"/> to <paramref name="last"/> is shown to a reader, so one pass
    /// over the trail both checks a window and finds what happened in it. The range is read in parts side by side:
    /// <paramref name="reader"/> is called once for each part, from several threads at once, with the position the part
    /// starts after, and what it returns sees that part's events in order, on one thread at a time. Every event of the
    /// range is shown even when the chain is broken or cannot be checked at all (then the result says why), so what the
    /// reader finds never depends on whether the trail verified.
    /// </summary>
    public async Task<VerificationResult> VerifyRangeAsync(long first, long last, Func<long, Action<AuditEvent>>? reader, CancellationToken cancellationToken)
    {
        var signed = checkpoints.ReadAll();
        if (Unusable(signed) is { } unusable)
        {
            if (reader is not null)
            {
                await ReadOnlyAsync(first, last, reader(first - 1), cancellationToken);
            }
            return unusable;
        }
        var key = chain.Key;
        var ordered = signed.Select(c => c.Checkpoint).OrderBy(c => c.Sequence).ToList();
        var before = ordered.LastOrDefault(c => c.Sequence < first);
        var after = ordered.FirstOrDefault(c => c.Sequence >= last);
        var start = before?.Sequence ?? 0;
        var bySequence = Vouched(ordered);

        // Each signed checkpoint inside the range vouches for its event's hash, so the range splits there into parts that
        // each run from one vouched hash to the next, and the parts can be checked side by side, each on its own connection.
        var inside = ordered.Where(c => c.Sequence > start && (after is null || c.Sequence < after.Sequence)).DistinctBy(c => c.Sequence).ToList();
        var cuts = inside.Where((_, i) => (i + 1) % Math.Max(1, (inside.Count + 1) / PartsWanted) == 0).ToList();
        var parts = new List<Part>();
        var from = before;
        foreach (var cut in cuts.Append(after))
        {
            parts.Add(new Part(from?.Sequence ?? 0, from is null ? AuditChain.Genesis : Convert.FromHexString(from.Hash), cut?.Sequence));
            from = cut;
            if (cut is null)
            {
                break;
            }
        }
        var results = new PartResult[parts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, parts.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await VerifyPartAsync(parts[i], key, bySequence, Shown(reader?.Invoke(parts[i].Start), first, last), token));

        long checkedCount = 0;
        var used = 0;
        foreach (var result in results)
        {
            checkedCount += result.Checked;
            used += result.Checkpoints;
            if (result.Failure is { } failure)
            {
                return failure with { EventsChecked = checkedCount, CheckpointsChecked = used };
            }
        }
        var reached = results[^1].Reached;
        var furthest = after?.Sequence ?? (ordered.Count == 0 ? 0 : ordered[^1].Sequence);
        if (reached < Math.Max(last, furthest))
        {
            return Fail(checkedCount, used, reached + 1, null,
                $"The trail ends at event {reached}, but the window or a signed checkpoint reaches {Math.Max(last, furthest)}: it was cut short from event {reached + 1}.");
        }
        return new VerificationResult(true, checkedCount, used,
            null, null, after is null
                ? $"The audit trail over the window is intact: events {start + 1} to {reached} check out, the last of them after the newest signed checkpoint."
                : $"The audit trail over the window is intact: events {start + 1} to {reached} check out between signed checkpoints.");
    }

    /// <summary>A reader that sees only the events of the range asked for: a part also reads from the checkpoint before it to the one after.</summary>
    private static Action<AuditEvent>? Shown(Action<AuditEvent>? reader, long first, long last) =>
        reader is null ? null : e =>
        {
            if (e.Sequence >= first && e.Sequence <= last)
            {
                reader(e);
            }
        };

    /// <summary>Why the chain cannot be checked at all (a checkpoint without a valid signature, two that disagree, no key); null when it can.</summary>
    private VerificationResult? Unusable(IReadOnlyList<(AuditCheckpoint Checkpoint, bool SignatureValid, string File)> signed)
    {
        var bad = signed.FirstOrDefault(c => !c.SignatureValid);
        if (bad.File is not null)
        {
            return new VerificationResult(false, 0, signed.Count, null, null,
                $"The checkpoint {Path.GetFileName(bad.File)} has no valid signature: the checkpoint folder was tampered with, or the signing key changed.");
        }
        if (Disagreeing(signed.Select(c => c.Checkpoint)) is { } conflict)
        {
            return conflict with { CheckpointsChecked = signed.Count };
        }
        try
        {
            _ = chain.Key;
        }
        catch (InvalidOperationException ex)
        {
            return new VerificationResult(false, 0, signed.Count, null, null, ex.Message);
        }
        return null;
    }

    /// <summary>How many parts a range is split into at most: enough for every core, with some left for whichever finishes first.</summary>
    private static int PartsWanted => Environment.ProcessorCount * 4;

    /// <summary>Events after <paramref name="Start"/> (whose hash is <paramref name="StartHash"/>) up to <paramref name="End"/>, or to the head when null.</summary>
    private sealed record Part(long Start, byte[] StartHash, long? End);

    private sealed record PartResult(long Checked, int Checkpoints, long Reached, VerificationResult? Failure);

    private async Task<PartResult> VerifyPartAsync(Part part, byte[] key, Dictionary<long, string> bySequence, Action<AuditEvent>? reader, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var query = own.AuditEvents.AsNoTracking().Where(e => e.Sequence > part.Start);
        if (part.End is { } end)
        {
            query = query.Where(e => e.Sequence <= end);
        }
        using var walk = new ChainWalk(key, bySequence, part.Start, part.StartHash);
        ChainBreak? broken = null;
        await foreach (var e in query.OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (broken is null && walk.Check(e) is { } found)
            {
                broken = found;
                if (reader is null)
                {
                    break;
                }
            }
            reader?.Invoke(e);
        }
        if (broken is null && part.End is { } last && walk.Reached < last)
        {
            // The next part starts from the checkpoint's hash, so a gap at this part's end must be caught here.
            broken = new ChainBreak(walk.Reached + 1, null,
                $"Event {walk.Reached + 1} is missing: the trail jumps from {walk.Reached} to a later event, and a signed checkpoint vouches for {last}. Events were deleted.");
        }
        var checkedCount = walk.Reached - part.Start;
        return new PartResult(checkedCount, walk.Checkpoints, walk.Reached,
            broken is null ? null : Fail(0, 0, broken.Sequence, broken.Id, broken.Message));
    }

    /// <summary>Shows a reader events <paramref name="first"/> to <paramref name="last"/> unchecked: for when the chain cannot be checked at all.</summary>
    private async Task ReadOnlyAsync(long first, long last, Action<AuditEvent> reader, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        await foreach (var e in own.AuditEvents.AsNoTracking().Where(e => e.Sequence >= first && e.Sequence <= last).OrderBy(e => e.Sequence)
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            reader(e);
        }
    }

    /// <summary>Where and why a stretch of the chain stops holding.</summary>
    private sealed record ChainBreak(long Sequence, Guid? Id, string Message);

    /// <summary>
    /// The rules every event of the chain is held to, one after another from a known hash: the next position, the hash
    /// before it, a known form, its own hash, and any signed checkpoint of its position. The whole-chain check and each
    /// part of a range walk with one of these.
    /// </summary>
    private sealed class ChainWalk(byte[] key, Dictionary<long, string> vouched, long start, byte[] startHash) : IDisposable
    {
        private readonly AuditHasher _hasher = new(key);
        private byte[] _previous = startHash;

        /// <summary>The position the next event must have.</summary>
        public long Expected { get; private set; } = start + 1;

        /// <summary>The last position that checked out.</summary>
        public long Reached => Expected - 1;

        /// <summary>How many signed checkpoints the walk has met, each of which agreed.</summary>
        public int Checkpoints { get; private set; }

        /// <summary>Null when <paramref name="e"/> carries the chain on; otherwise where and why it breaks there.</summary>
        public ChainBreak? Check(AuditEvent e)
        {
            if (e.Sequence != Expected)
            {
                return e.Sequence > Expected
                    ? new ChainBreak(Expected, null, $"Event {Expected} is missing: the trail jumps from {Expected - 1} to {e.Sequence}. Events were deleted.")
                    : new ChainBreak(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) appears out of place after event {Expected - 1}.");
            }
            if (!e.PreviousHash.AsSpan().SequenceEqual(_previous))
            {
                return new ChainBreak(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) does not follow event {e.Sequence - 1}: events were inserted, deleted or reordered here.");
            }
            // Form 1 had no items: an event in that form that has some was changed, though its hash cannot show it.
            if ((e.Format == 1 && e.Items is not null) || e.Format is < 1 or > AuditEvent.CurrentFormat
                || !_hasher.Hash(e, _previous).AsSpan().SequenceEqual(e.Hash))
            {
                return new ChainBreak(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) was changed after it was written.");
            }
            if (vouched.TryGetValue(e.Sequence, out var hash))
            {
                Checkpoints++;
                if (hash != Convert.ToHexString(e.Hash))
                {
                    return new ChainBreak(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) differs from the signed checkpoint of that position: the trail was rewritten.");
                }
            }
            _previous = e.Hash;
            Expected++;
            return null;
        }

        public void Dispose() => _hasher.Dispose();
    }

    /// <summary>Each checkpointed event's vouched hash. A signed file copied under another name vouches twice for one event.</summary>
    private static Dictionary<long, string> Vouched(IEnumerable<AuditCheckpoint> checkpoints) =>
        checkpoints.GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.First().Hash);

    /// <summary>A failure when two signed checkpoints vouch for different hashes of one event; null when none do.</summary>
    private static VerificationResult? Disagreeing(IEnumerable<AuditCheckpoint> checkpoints) =>
        checkpoints.GroupBy(c => c.Sequence).FirstOrDefault(g => g.Select(c => c.Hash).Distinct().Count() > 1) is { } clash
            ? Fail(0, 0, clash.Key, null, $"Two signed checkpoints vouch for different hashes of event {clash.Key}: the checkpoint folder was tampered with.")
            : null;

    private static VerificationResult Fail(long checkedCount, int checkpointCount, long sequence, Guid? id, string message) =>
        new(false, checkedCount, checkpointCount, sequence, id, message);
}
