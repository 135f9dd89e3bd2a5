using Kaitiaki.Audit;
using Kaitiaki.Storage;

namespace Kaitiaki.Demo;

/// <summary>The data set's audit trail: three months of normal use with the attack among it, chained and checkpointed as it is loaded.</summary>
internal sealed partial class ScaleWorld
{
    /// <summary>The trail: normal use and the attack merged in time order, chained, loaded a batch at a time with a checkpoint every so often.</summary>
    private async Task<long> AuditAsync(Guid attacker, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var normal = shape.AuditEvents - shape.AttackEvents;
        using var ours = NormalUse(normal).GetEnumerator();
        using var theirs = Attack(attacker).GetEnumerator();
        var haveOurs = ours.MoveNext();
        var haveTheirs = theirs.MoveNext();
        var batch = new List<AuditEvent>(Batch);
        long written = 0;
        while (haveOurs || haveTheirs)
        {
            if (haveTheirs && (!haveOurs || theirs.Current.OccurredAt <= ours.Current.OccurredAt))
            {
                batch.Add(theirs.Current);
                haveTheirs = theirs.MoveNext();
            }
            else
            {
                batch.Add(ours.Current);
                haveOurs = ours.MoveNext();
            }
            if (batch.Count == Batch || !(haveOurs || haveTheirs))
            {
                chain.Link(batch, _sequence == 0 ? null : _sequence, _head);
                _sequence = batch[^1].Sequence;
                _head = batch[^1].Hash;
                await BulkRows.WriteAsync(db, batch, cancellationToken);
                written += batch.Count;
                if (_sequence % CheckpointEvery == 0 || !(haveOurs || haveTheirs))
                {
                    checkpoints.Write(_sequence, _head);
                }
                if (written % 1_000_000 == 0)
                {
                    progress.Report($"{written:N0} of {shape.AuditEvents:N0} audit events");
                }
                batch.Clear();
            }
        }
        return written;
    }

    private IEnumerable<AuditEvent> NormalUse(long count)
    {
        var span = (HistoryTo - HistoryFrom).Ticks;
        var clinicians = shape.Practices * 5;
        for (long i = 0; i < count; i++)
        {
            var at = HistoryFrom.AddTicks((long)((i + _random.NextDouble()) * span / count));
            var j = _random.Next(shape.Patients);
            var stamp = PracticeAt(j, at);
            var roll = _random.NextDouble();
            var e = Event(at);
            e.IpAddress = $"{100 + j % 100}.{j / 100 % 250}.{j / 25_000 % 250}.{1 + j % 200}";
            e.UserAgent = Agents[j % Agents.Length];
            if (roll < 0.72)
            {
                e.ActorAccountId = _accountIds[j];
                e.ActorRole = "patient";
                e.Client = j % 4 == 3 ? "api" : "web";
            }
            else
            {
                // A clinician of the patient's practice, from the practice's network.
                var clinician = (stamp ?? _practiceThen[j]) * 5 + _random.Next(5);
                e.ActorAccountId = ClinicianAccount(clinician % clinicians);
                e.ActorRole = "clinician";
                e.Client = "web";
                e.IpAddress = $"10.{clinician / 250 % 250}.{clinician % 250}.7";
            }
            var first = _firstDocument[j];
            var documents = _firstDocument[j + 1] - first;
            if (roll < 0.30)
            {
                e.Action = AuditAction.SignIn;
            }
            else if (roll < 0.55 || (roll < 0.98 && documents == 0))
            {
                e.Action = AuditAction.DocumentListed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Patient";
                e.ResourceId = _patientIds[j];
                e.Detail = $"{documents} documents";
                e.Items = AuditEvent.PackItems(new ArraySegment<Guid>(_documentIds, first, documents));
            }
            else if (roll < 0.98)
            {
                e.Action = roll < 0.80 ? AuditAction.DocumentDownloaded : roll < 0.88 ? AuditAction.DocumentMetadataViewed : AuditAction.DocumentPreviewed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Document";
                e.ResourceId = _documentIds[first + _random.Next(documents)];
                e.Bytes = e.Action == AuditAction.DocumentMetadataViewed ? null : 120_000 + _random.Next(400_000);
            }
            else
            {
                e.Action = AuditAction.PatientDetailsViewed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Patient";
                e.ResourceId = _patientIds[j];
            }
            yield return e;
        }
    }

    /// <summary>Thirty hours of one account working through the victims: list, then download four or five of five; decoys too; some refused tries.</summary>
    private IEnumerable<AuditEvent> Attack(Guid attacker)
    {
        var session = NextGuid();
        var total = shape.AttackEvents;
        var step = (AttackTo - AttackFrom).Ticks / total;
        var at = AttackFrom;
        var fives = shape.ContentReads - 4 * shape.Victims;
        var probes = 0;
        var probeEvery = Math.Max(1, (shape.Victims + shape.Decoys) / Math.Max(1, shape.DeniedProbes));
        for (var j = 0; j < shape.Victims + shape.Decoys; j++)
        {
            var first = _firstDocument[j];
            var decoy = j >= shape.Victims;
            var read = decoy || j < fives ? ScaleShape.DocumentsPerVictim : 4;
            yield return Theirs(AuditAction.DocumentListed, j, "Patient", _patientIds[j],
                AuditEvent.PackItems(new ArraySegment<Guid>(_documentIds, first, ScaleShape.DocumentsPerVictim)), null);
            for (var k = 0; k < read; k++)
            {
                yield return Theirs(AuditAction.DocumentDownloaded, j, "Document", _documentIds[first + k], null, 120_000 + (first + k) % 400_000);
            }
            if (probes < shape.DeniedProbes && j % probeEvery == 0)
            {
                probes++;
                yield return Probe(j);
            }
        }
        while (probes < shape.DeniedProbes)
        {
            probes++;
            yield return Probe(0);
        }

        // An id the account may not read: refused, and nothing disclosed.
        AuditEvent Probe(int j)
        {
            var probe = Theirs(AuditAction.DocumentAccessDenied, j, "Document", NextGuid(), null, null);
            probe.Outcome = AuditOutcome.Denied;
            probe.PatientId = null;
            probe.PracticeId = null;
            probe.Detail = "not found";
            return probe;
        }

        AuditEvent Theirs(AuditAction action, int j, string type, Guid resource, byte[]? items, long? bytes)
        {
            at = at.AddTicks(step);
            var e = Event(at);
            e.Action = action;
            e.ActorAccountId = attacker;
            e.ActorRole = "patient";
            e.SessionId = session;
            e.Client = "api";
            e.IpAddress = "198.51.100.23";
            e.UserAgent = "python-requests/2.32.3";
            e.PatientId = _patientIds[j];
            e.PracticeId = _practiceIds[_practiceThen[j]];
            e.ResourceType = type;
            e.ResourceId = resource;
            e.Items = items;
            e.Bytes = bytes;
            e.Detail = items is null ? null : $"{ScaleShape.DocumentsPerVictim} documents";
            return e;
        }
    }

    private AuditEvent Event(DateTime at)
    {
        var trimmed = AuditEvent.TrimToMicroseconds(at);
        return new AuditEvent
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(trimmed)),
            OccurredAt = trimmed,
            Outcome = AuditOutcome.Success,
            SessionId = NextGuid(),
        };
    }

    /// <summary>The practice a patient was enrolled with at a time, as the ledger would have stamped it; null when none.</summary>
    private short? PracticeAt(int j, DateTime at)
    {
        var then = _practiceThen[j];
        var now = _practiceNow[j];
        if (now == then)
        {
            return then;
        }
        var changed = (then >= shape.Practices - shape.LeftPractices ? LeftOn : MovedOn).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return at < changed ? then : now >= 0 ? now : null;
    }

    private Guid ClinicianAccount(int clinician) => new(clinician, 0x6b61, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 1);
}
