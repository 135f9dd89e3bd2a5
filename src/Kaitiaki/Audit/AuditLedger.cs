using System.Data.Common;
using System.Runtime.CompilerServices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kaitiaki.Audit;

/// <summary>
/// The one way onto the audit chain. Events saved with a change (<see cref="KaitiakiDb"/>'s unit of work) and events that
/// stand alone (<see cref="AuditWriter"/>) both come here, inside the transaction that will store them: one chain lock,
/// one read of the head, the patient's practice stamped, then linked. Once that transaction commits, the events are
/// published to <see cref="AuditStream"/> in chain order; if it rolls back, they never were.
/// </summary>
internal sealed class AuditLedger(AuditChain chain, AuditStream stream)
{
    // Keyed by the provider's transaction object, and checked against EF's id for the transaction: Npgsql reuses one
    // transaction object per connection, so an entry left by a transaction that was disposed without committing must
    // never be published by the next one.
    private readonly ConditionalWeakTable<DbTransaction, Sealed> _uncommitted = [];

    /// <summary>
    /// For a unit of work: links the events, which EF then inserts with the rest of the change. If any of them rests on
    /// remembered decisions and access has changed since, nothing is saved: <see cref="StaleAccessException"/>.
    /// </summary>
    internal async Task SealAsync(KaitiakiDb db, IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        using var appender = new AuditAppender(db);
        if (events.Min(e => e.RestsOnRevision) is { } oldest && await appender.ReadRevisionAsync(async: true, cancellationToken) != oldest)
        {
            throw new StaleAccessException();
        }
        await LinkAsync(db, appender, events, async: true, cancellationToken);
    }

    /// <summary>For the writer: links the events and inserts them over the writer's own reused commands.</summary>
    internal void Append(KaitiakiDb db, AuditAppender appender, IReadOnlyList<AuditEvent> events)
    {
        LinkAsync(db, appender, events, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        appender.Insert(events);
    }

    private async ValueTask LinkAsync(KaitiakiDb db, AuditAppender appender, IReadOnlyList<AuditEvent> events, bool async, CancellationToken cancellationToken)
    {
        var current = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("Audit events are sealed only inside the transaction that stores them.");
        var (sequence, hash) = await appender.LockAndReadHeadAsync(async, cancellationToken);
        await appender.StampPracticesAsync(events, async, cancellationToken);
        foreach (var e in events.Where(e => e.Id == Guid.Empty))
        {
            // An event handed to the writer without an id gets one here, before its hash covers it.
            e.Id = Guid.CreateVersion7();
        }
        chain.Link(events, sequence, hash);
        var transaction = current.GetDbTransaction();
        lock (_uncommitted)
        {
            if (!_uncommitted.TryGetValue(transaction, out var held) || held.TransactionId != current.TransactionId)
            {
                _uncommitted.AddOrUpdate(transaction, held = new Sealed(current.TransactionId, []));
            }
            held.Events.AddRange(events);
        }
    }

    private void Committed(DbTransaction transaction, Guid transactionId)
    {
        Sealed? held;
        lock (_uncommitted)
        {
            if (!_uncommitted.TryGetValue(transaction, out held))
            {
                return;
            }
            _uncommitted.Remove(transaction);
        }
        if (held.TransactionId == transactionId)
        {
            stream.Publish(held.Events);
        }
    }

    private void Forget(DbTransaction transaction)
    {
        lock (_uncommitted)
        {
            _uncommitted.Remove(transaction);
        }
    }

    private sealed record Sealed(Guid TransactionId, List<AuditEvent> Events);

    /// <summary>
    /// Tells the ledger when a transaction that sealed events has committed, rolled back or failed. A transaction that is
    /// disposed without committing says nothing; its entry is dropped when its object is reused or collected.
    /// </summary>
    internal sealed class CommitInterceptor(AuditLedger ledger) : DbTransactionInterceptor
    {
        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
            ledger.Committed(transaction, eventData.TransactionId);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ledger.Committed(transaction, eventData.TransactionId);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => ledger.Forget(transaction);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ledger.Forget(transaction);
            return Task.CompletedTask;
        }

        public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => ledger.Forget(transaction);

        public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            ledger.Forget(transaction);
            return Task.CompletedTask;
        }
    }
}
