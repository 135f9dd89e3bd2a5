using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

internal sealed record VerificationResult(bool Intact, long EventsChecked, int CheckpointsChecked, long? FirstBadSequence, Guid? FirstBadEventId, string Message);

/// <summary>
/// Walks the whole chain: each event must follow the one before it, hash to what it says, and
/// agree with every signed checkpoint; the chain must reach the last checkpoint.
/// </summary>
internal sealed class AuditVerifier(KaitiakiDb db, AuditChain chain, AuditCheckpoints checkpoints, IServiceScopeFactory scopes)
{
    public async Task<VerificationResult> VerifyAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var signed = checkpoints.ReadAll();
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
        var bySequence = Vouched(signed.Select(c => c.Checkpoint));
        byte[] key;
        try
        {
            key = chain.Key;
        }
        catch (InvalidOperationException ex)
        {
            return new VerificationResult(false, 0, signed.Count, null, null, ex.Message);
        }

        var previous = AuditChain.Genesis;
        long expected = 1;
        using var hasher = new AuditHasher(key);
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (e.Sequence != expected)
            {
                return e.Sequence > expected
                    ? Fail(expected - 1, signed.Count, expected, null, $"Event {expected} is missing: the trail jumps from {expected - 1} to {e.Sequence}. Events were deleted.")
                    : Fail(expected - 1, signed.Count, e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) appears out of place after event {expected - 1}.");
            }
            if (!e.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                return Fail(expected - 1, signed.Count, e.Sequence, e.Id,
                    $"Event {e.Sequence} (id {e.Id}) does not follow event {e.Sequence - 1}: events were inserted, deleted or reordered here.");
            }
            // Form 1 had no items: an event in that form that has some was changed, though its hash cannot show it.
            if ((e.Format == 1 && e.Items is not null) || e.Format is < 1 or > AuditEvent.CurrentFormat
                || !hasher.Hash(e, previous).AsSpan().SequenceEqual(e.Hash))
            {
                return Fail(expected - 1, signed.Count, e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) was changed after it was written.");
            }
            if (bySequence.TryGetValue(e.Sequence, out var vouched) && vouched != Convert.ToHexString(e.Hash))
            {
                return Fail(expected - 1, signed.Count, e.Sequence, e.Id,
                    $"Event {e.Sequence} (id {e.Id}) differs from the signed checkpoint of that position: the trail was rewritten.");
            }
            previous = e.Hash;
            expected++;
            if (expected % 10_000 == 0)
            {
                progress?.Report(expected - 1);
            }
        }

        var last = expected - 1;
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
    public async Task<VerificationResult> VerifyRangeAsync(long first, long last, CancellationToken cancellationToken)
    {
        var signed = checkpoints.ReadAll();
        var bad = signed.FirstOrDefault(c => !c.SignatureValid);
        if (bad.File is not null)
        {
            return new VerificationResult(false, 0, signed.Count, null, null,
                $"The checkpoint {Path.GetFileName(bad.File)} has no valid signature: the checkpoint folder was tampered with, or the signing key changed.");
        }
        byte[] key;
        try
        {
            key = chain.Key;
        }
        catch (InvalidOperationException ex)
        {
            return new VerificationResult(false, 0, signed.Count, null, null, ex.Message);
        }
        var ordered = signed.Select(c => c.Checkpoint).OrderBy(c => c.Sequence).ToList();
        var before = ordered.LastOrDefault(c => c.Sequence < first);
        var after = ordered.FirstOrDefault(c => c.Sequence >= last);
        var start = before?.Sequence ?? 0;
        if (Disagreeing(ordered) is { } conflict)
        {
            return conflict with { CheckpointsChecked = signed.Count };
        }
        var bySequence = Vouched(ordered);

        // Each signed checkpoint inside the range vouches for its event's hash, so the range splits there into parts that
        // each run from one vouched hash to the next, and the parts can be checked side by side, each on its own connection.
        var inside = ordered.Where(c => c.Sequence > start && (after is null || c.Sequence < after.Sequence)).ToList();
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
            async (i, token) => results[i] = await VerifyPartAsync(parts[i], key, bySequence, token));

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

    /// <summary>How many parts a range is split into at most: enough for every core, with some left for whichever finishes first.</summary>
    private static int PartsWanted => Environment.ProcessorCount * 4;

    /// <summary>Events after <paramref name="Start"/> (whose hash is <paramref name="StartHash"/>) up to <paramref name="End"/>, or to the head when null.</summary>
    private sealed record Part(long Start, byte[] StartHash, long? End);

    private sealed record PartResult(long Checked, int Checkpoints, long Reached, VerificationResult? Failure);

    private async Task<PartResult> VerifyPartAsync(Part part, byte[] key, Dictionary<long, string> bySequence, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var own = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var previous = part.StartHash;
        var expected = part.Start + 1;
        var used = 0;
        var query = own.AuditEvents.AsNoTracking().Where(e => e.Sequence > part.Start);
        if (part.End is { } end)
        {
            query = query.Where(e => e.Sequence <= end);
        }
        using var hasher = new AuditHasher(key);
        PartResult Failed(long sequence, Guid? id, string message) =>
            new(expected - 1 - part.Start, used, expected - 1, Fail(0, 0, sequence, id, message));
        await foreach (var e in query.OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (e.Sequence != expected)
            {
                return Failed(expected, null, $"Event {expected} is missing: the trail jumps from {expected - 1} to {e.Sequence}. Events were deleted.");
            }
            if (!e.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                return Failed(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) does not follow event {e.Sequence - 1}: events were inserted, deleted or reordered here.");
            }
            if ((e.Format == 1 && e.Items is not null) || e.Format is < 1 or > AuditEvent.CurrentFormat
                || !hasher.Hash(e, previous).AsSpan().SequenceEqual(e.Hash))
            {
                return Failed(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) was changed after it was written.");
            }
            if (bySequence.TryGetValue(e.Sequence, out var vouched))
            {
                used++;
                if (vouched != Convert.ToHexString(e.Hash))
                {
                    return Failed(e.Sequence, e.Id, $"Event {e.Sequence} (id {e.Id}) differs from the signed checkpoint of that position: the trail was rewritten.");
                }
            }
            previous = e.Hash;
            expected++;
        }
        var reached = expected - 1;
        if (part.End is { } last && reached < last)
        {
            // The next part starts from the checkpoint's hash, so a gap at this part's end must be caught here.
            return Failed(reached + 1, null, $"Event {reached + 1} is missing: the trail jumps from {reached} to a later event, and a signed checkpoint vouches for {last}. Events were deleted.");
        }
        return new PartResult(reached - part.Start, used, reached, null);
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
