using System.Threading.Channels;
using Kaitiaki.Storage;

namespace Kaitiaki.Audit;

/// <summary>
/// Saves audit events that stand alone (reads and denials change nothing else) in shared transactions. Each caller
/// waits until its own event is committed, so "recorded before anything is disclosed" still holds; what changes is
/// that the events of concurrent requests are sealed onto the chain and committed together, so a burst of downloads
/// takes the write lock, reads the chain head and commits once rather than once per download.
/// </summary>
public sealed class AuditWriter(IServiceScopeFactory scopes, ILogger<AuditWriter> logger) : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private Task? _loop;

    /// <summary>Completes once the event is committed; fails if it could not be saved.</summary>
    public Task SaveAsync(AuditEvent auditEvent)
    {
        // Continuations run on the thread pool, not on the writer's loop, so one batch's callers carry on in parallel.
        var pending = new Pending(auditEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The audit writer has stopped, so nothing more can be recorded.");
        }
        EnsureStarted();
        return pending.Saved.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop;
        }
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }
        lock (_startLock)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            await SaveBatchAsync(batch);
        }
    }

    private async Task SaveBatchAsync(List<Pending> batch)
    {
        try
        {
            await SaveAsync(batch);
            batch.ForEach(p => p.Saved.TrySetResult());
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
                await SaveAsync([pending]);
                pending.Saved.TrySetResult();
            }
            catch (Exception ex)
            {
                pending.Saved.TrySetException(ex);
            }
        }
    }

    private async Task SaveAsync(IReadOnlyList<Pending> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        foreach (var pending in batch)
        {
            // A failed attempt leaves the chain fields set; the next attempt seals afresh.
            pending.Event.Sequence = 0;
            db.AuditEvents.Add(pending.Event);
        }
        // Not cancellable: once a caller is waiting on its event, the event is saved even if that caller goes away.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private sealed record Pending(AuditEvent Event, TaskCompletionSource Saved);
}
