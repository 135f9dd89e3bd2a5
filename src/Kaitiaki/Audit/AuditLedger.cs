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
public sealed class AuditLedger(AuditChain chain, AuditStream stream)
{
    private readonly ConditionalWeakTable<DbTransaction, List<AuditEvent>> _uncommitted = [];

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
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Audit events are sealed only inside the transaction that stores them.");
        var (sequence, hash) = await appender.LockAndReadHeadAsync(async, cancellationToken);
        await appender.StampPracticesAsync(events, async, cancellationToken);
        chain.Link(events, sequence, hash);
        lock (_uncommitted)
        {
            _uncommitted.GetOrCreateValue(transaction).AddRange(events);
        }
    }

    private void Committed(DbTransaction transaction)
    {
        List<AuditEvent>? events;
        lock (_uncommitted)
        {
            if (!_uncommitted.TryGetValue(transaction, out events))
            {
                return;
            }
            _uncommitted.Remove(transaction);
        }
        stream.Publish(events);
    }

    private void RolledBack(DbTransaction transaction)
    {
        lock (_uncommitted)
        {
            _uncommitted.Remove(transaction);
        }
    }

    /// <summary>Tells the ledger when a transaction that sealed events has committed or rolled back.</summary>
    internal sealed class CommitInterceptor(AuditLedger ledger) : DbTransactionInterceptor
    {
        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => ledger.Committed(transaction);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ledger.Committed(transaction);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => ledger.RolledBack(transaction);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ledger.RolledBack(transaction);
            return Task.CompletedTask;
        }
    }
}
