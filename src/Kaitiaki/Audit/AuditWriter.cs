using System.Threading.Channels;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

/// <summary>
/// Saves audit events that stand alone (reads and denials change nothing else) in shared transactions. Each caller
/// waits until its own event is committed, so "recorded before anything is disclosed" still holds; what changes is
/// that the events of concurrent requests are sealed onto the chain and committed together, so a burst of downloads
/// takes the write lock, reads the chain head and commits once rather than once per download.
/// The writer has a thread of its own. Its statements block (Microsoft.Data.Sqlite's asynchronous calls run
/// synchronously, and a commit waits for the disk), and on a thread-pool thread that wait would hold back the requests
/// the pool should be running.
/// An event may say which access revision the decisions behind it were made at (<see cref="AccessCache{TKey, TValue}"/>).
/// The revision is read inside the same transaction; if it has moved, that event is not recorded and its caller gets
/// a <see cref="StaleAccessException"/> before anything is disclosed.
/// </summary>
internal sealed class AuditWriter(IServiceScopeFactory scopes, AuditLedger ledger, AccessRevisions revisions, ILogger<AuditWriter> logger) : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private Thread? _thread;
    private WriterSession? _session;

    /// <summary>
    /// Completes once the event is committed; fails if it could not be saved, and with <see cref="StaleAccessException"/>
    /// when the event rests on remembered decisions (<see cref="AuditEvent.RestsOnRevision"/>) and access has changed since.
    /// </summary>
    public Task SaveAsync(AuditEvent auditEvent)
    {
        // Continuations run on the thread pool, not on the writer's loop, so one batch's callers carry on in parallel.
        var pending = new Pending(auditEvent, auditEvent.RestsOnRevision, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The audit writer has stopped, so nothing more can be recorded.");
        }
        EnsureStarted();
        return pending.Saved.Task;
    }

    public ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _thread?.Join();
        _session?.Dispose();
        _session = null;
        return ValueTask.CompletedTask;
    }

    private void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }
        lock (_startLock)
        {
            if (_thread is null)
            {
                var thread = new Thread(Run) { IsBackground = true, Name = "Kaitiaki audit writer" };
                thread.Start();
                _thread = thread;
            }
        }
    }

    private void Run()
    {
        var batch = new List<Pending>(MaxBatch);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            SaveBatch(batch);
        }
    }

    private void SaveBatch(List<Pending> batch)
    {
        try
        {
            Settle(batch, Save(batch));
            return;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad event must not sink the others: save them one by one so only the bad one fails.
            logger.LogWarning("A batch of {Count} audit events failed to save ({Error}); saving them one at a time.", batch.Count, ex.GetType().Name);
        }
        catch (Exception ex)
        {
            batch[0].Saved.TrySetException(ex);
            return;
        }
        foreach (var pending in batch)
        {
            try
            {
                Settle([pending], Save([pending]));
            }
            catch (Exception ex)
            {
                pending.Saved.TrySetException(ex);
            }
        }
    }

    private static void Settle(IReadOnlyList<Pending> batch, long? revision)
    {
        foreach (var pending in batch)
        {
            if (IsStale(pending, revision))
            {
                pending.Saved.TrySetException(new StaleAccessException());
            }
            else
            {
                pending.Saved.TrySetResult();
            }
        }
    }

    private static bool IsStale(Pending pending, long? revision) => pending.AccessRevision is { } required && required != revision;

    /// <summary>Saves the batch's current events in one transaction; returns the access revision it saw, if any event asked.</summary>
    private long? Save(IReadOnlyList<Pending> batch)
    {
        // One database context, connection and set of commands serve batch after batch: setting them up costs more than a batch.
        _session ??= WriterSession.Open(scopes);
        var db = _session.Db;
        try
        {
            using (db.EnterWriteGate())
            {
                using var transaction = db.Database.BeginTransaction();
                long? revision = null;
                if (batch.Any(p => p.AccessRevision is not null))
                {
                    revision = _session.Appender.ReadRevisionAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    revisions.Observe(revision.Value);
                }
                var current = batch.Where(p => !IsStale(p, revision)).Select(p => p.Event).ToList();
                if (current.Count > 0)
                {
                    ledger.Append(db, _session.Appender, current);
                }
                transaction.Commit();
                return revision;
            }
        }
        catch
        {
            // Start afresh after any failure rather than reason about what the connection holds.
            _session.Dispose();
            _session = null;
            throw;
        }
    }

    private sealed class WriterSession(IServiceScope scope, KaitiakiDb db, AuditAppender appender) : IDisposable
    {
        public KaitiakiDb Db => db;
        public AuditAppender Appender => appender;

        public static WriterSession Open(IServiceScopeFactory scopes)
        {
            var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            db.Database.OpenConnection();
            return new WriterSession(scope, db, new AuditAppender(db));
        }

        public void Dispose()
        {
            appender.Dispose();
            scope.Dispose();
        }
    }

    private sealed record Pending(AuditEvent Event, long? AccessRevision, TaskCompletionSource Saved);
}
