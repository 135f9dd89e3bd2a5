using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

internal sealed record VerificationResult(bool Intact, long EventsChecked, int CheckpointsChecked, long? FirstBadSequence, Guid? FirstBadEventId, string Message);

/// <summary>
/// Walks the whole chain: each event must follow the one before it, hash to what it says, and
/// agree with every signed checkpoint; the chain must reach the last checkpoint.
/// </summary>
internal sealed class AuditVerifier(KaitiakiDb db, AuditChain chain, AuditCheckpoints checkpoints)
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
        var bySequence = signed.ToDictionary(c => c.Checkpoint.Sequence, c => c.Checkpoint.Hash);
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
                || !e.ComputeHash(key, previous).AsSpan().SequenceEqual(e.Hash))
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

    private static VerificationResult Fail(long checkedCount, int checkpointCount, long sequence, Guid? id, string message) =>
        new(false, checkedCount, checkpointCount, sequence, id, message);
}
