using System.Threading.Channels;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

/// <summary>A committed audit event as subscribers see it: a snapshot that nothing can change.</summary>
internal sealed record AuditRecord(
    long Sequence, Guid Id, DateTime OccurredAt, AuditAction Action, AuditOutcome Outcome, Guid? ActorAccountId, string? ActorRole,
    Guid? SessionId, string? Client, string? IpAddress, string? UserAgent, Guid? PatientId, Guid? PracticeId, string? ResourceType,
    Guid? ResourceId, long? Bytes, string? Detail, IReadOnlyList<Guid> Items)
{
    public static AuditRecord From(AuditEvent e) => new(
        e.Sequence, e.Id, e.OccurredAt, e.Action, e.Outcome, e.ActorAccountId, e.ActorRole, e.SessionId, e.Client, e.IpAddress, e.UserAgent,
        e.PatientId, e.PracticeId, e.ResourceType, e.ResourceId, e.Bytes, e.Detail, e.ItemIds());
}

/// <summary>
/// Sees every committed audit event exactly once, in chain order. Register one with
/// <c>services.AddSingleton&lt;IAuditSubscriber, T&gt;()</c>; nothing in <c>Audit/</c> changes. Each subscriber has its
/// own queue and its own loop, so a slow one never delays a commit or another subscriber.
/// </summary>
internal interface IAuditSubscriber
{
    ValueTask OnEventAsync(AuditRecord auditEvent, CancellationToken cancellationToken);

    /// <summary>
    /// The subscriber's queue overflowed after <paramref name="lastDelivered"/> and dropped events. The stream now reads the
    /// events it missed from the database and delivers them, in order, before any newer one.
    /// </summary>
    ValueTask OnFellBehindAsync(long lastDelivered, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// Publishes committed events, in process, to every <see cref="IAuditSubscriber"/>. Events arrive from
/// <see cref="AuditLedger"/> after each commit; commits follow the chain lock, so only the moments between one commit
/// and its publication can put them out of order, and a short reorder buffer puts them back. A gap that does not close
/// (events written by the command line or another server) is filled from the database, so subscribers still see every
/// event in order. This needs no polling: only a new local event can reveal a gap.
/// </summary>
internal sealed class AuditStream : IAsyncDisposable
{
    private static readonly TimeSpan GapWait = TimeSpan.FromMilliseconds(200);

    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<AuditStream>? _logger;
    private readonly List<Pump> _pumps;
    private readonly SortedDictionary<long, AuditRecord> _waiting = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _published = -1;
    private Task? _gapFill;

    public AuditStream(IServiceScopeFactory scopes, IEnumerable<IAuditSubscriber> subscribers, ILogger<AuditStream>? logger = null, int queueCapacity = 10_000)
    {
        _scopes = scopes;
        _logger = logger;
        _pumps = [.. subscribers.Select(s => new Pump(this, s, queueCapacity))];
    }

    /// <summary>The sequence of the newest event published, or -1 before <see cref="Start"/>.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Starts publishing after <paramref name="head"/>, the chain head when the portal started (0 for an empty chain).</summary>
    public void Start(long head)
    {
        lock (_lock)
        {
            _published = head;
            foreach (var pump in _pumps)
            {
                pump.Start(head, _stopping.Token);
            }
        }
    }

    /// <summary>Called after a commit. Never blocks on a subscriber.</summary>
    internal void Publish(IReadOnlyList<AuditEvent> committed)
    {
        if (_published < 0 || committed.Count == 0)
        {
            return;
        }
        if (_pumps.Count == 0)
        {
            // Nobody listens: keep only the position, without a snapshot of each event.
            lock (_lock)
            {
                Interlocked.Exchange(ref _published, Math.Max(_published, committed.Max(e => e.Sequence)));
            }
            return;
        }
        lock (_lock)
        {
            foreach (var e in committed)
            {
                if (e.Sequence > _published)
                {
                    _waiting[e.Sequence] = AuditRecord.From(e);
                }
            }
            Flush();
            if (_waiting.Count > 0 && _gapFill is null)
            {
                _gapFill = Task.Run(FillGapAsync);
            }
        }
    }

    /// <summary>Hands every waiting event that follows the last one published to the subscribers. Caller holds the lock.</summary>
    private void Flush()
    {
        while (_waiting.Count > 0)
        {
            var (sequence, record) = _waiting.First();
            if (sequence <= _published)
            {
                _waiting.Remove(sequence);
                continue;
            }
            if (sequence != _published + 1)
            {
                return;
            }
            _waiting.Remove(sequence);
            foreach (var pump in _pumps)
            {
                pump.Offer(record);
            }
            Interlocked.Exchange(ref _published, sequence);
        }
    }

    /// <summary>Waits briefly for a late publication to close a gap; reads whatever is still missing from the database.</summary>
    private async Task FillGapAsync()
    {
        try
        {
            await Task.Delay(GapWait, _stopping.Token);
            long from, to;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    return;
                }
                from = _published + 1;
                to = _waiting.Keys.First() - 1;
            }
            var missing = await ReadAsync(from, to, _stopping.Token);
            lock (_lock)
            {
                foreach (var record in missing.Where(r => r.Sequence > _published))
                {
                    _waiting[record.Sequence] = record;
                }
                Flush();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            _logger?.LogError("Audit events missing from the in-process stream could not be read from the database ({Error}).", ex.GetType().Name);
        }
        finally
        {
            lock (_lock)
            {
                _gapFill = null;
                if (_waiting.Count > 0 && !_stopping.IsCancellationRequested)
                {
                    _gapFill = Task.Run(FillGapAsync);
                }
            }
        }
    }

    /// <summary>Committed events with sequences from <paramref name="from"/> to <paramref name="to"/>, in order.</summary>
    private async Task<List<AuditRecord>> ReadAsync(long from, long to, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.Sequence >= from && e.Sequence <= to)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        return events.Select(AuditRecord.From).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var pump in _pumps)
        {
            await pump.StopAsync();
        }
        _stopping.Dispose();
    }

    /// <summary>
    /// One subscriber's queue and loop. A full queue drops its oldest event to take the newest, so the loop always wakes
    /// for the newest event, sees the gap, and reads what it missed from the database before going on.
    /// </summary>
    private sealed class Pump(AuditStream stream, IAuditSubscriber subscriber, int capacity)
    {
        private const int CatchUpPage = 1000;

        private readonly Channel<AuditRecord> _queue = Channel.CreateBounded<AuditRecord>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        private long _delivered;
        private AuditRecord? _held;
        private Task _loop = Task.CompletedTask;

        public void Start(long head, CancellationToken stopping)
        {
            _delivered = head;
            _loop = Task.Run(() => RunAsync(stopping), CancellationToken.None);
        }

        public void Offer(AuditRecord record) => _queue.Writer.TryWrite(record);

        public async Task StopAsync()
        {
            _queue.Writer.TryComplete();
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                stream._logger?.LogWarning("Audit subscriber {Subscriber} stopped with an error ({Error}).", subscriber.GetType().Name, ex.GetType().Name);
            }
        }

        private async Task RunAsync(CancellationToken stopping)
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await PumpAsync(stopping);
                    return;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Catching up needs the database; if it is away, try the same event again shortly rather than stop.
                    stream._logger?.LogError("Audit subscriber {Subscriber} could not catch up ({Error}); trying again in a second.",
                        subscriber.GetType().Name, ex.GetType().Name);
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }

        private async Task PumpAsync(CancellationToken stopping)
        {
            while (true)
            {
                if (_held is null)
                {
                    if (!await _queue.Reader.WaitToReadAsync(stopping))
                    {
                        return;
                    }
                    if (!_queue.Reader.TryRead(out _held))
                    {
                        continue;
                    }
                }
                var record = _held;
                if (record.Sequence > _delivered + 1)
                {
                    // Events between were dropped from the full queue: read them from the database first.
                    await Guard(() => subscriber.OnFellBehindAsync(_delivered, stopping), stopping);
                    await CatchUpAsync(record.Sequence - 1, stopping);
                }
                if (record.Sequence == _delivered + 1)
                {
                    await DeliverAsync(record, stopping);
                }
                _held = null;
            }
        }

        private async Task CatchUpAsync(long until, CancellationToken stopping)
        {
            while (_delivered < until)
            {
                var page = await stream.ReadAsync(_delivered + 1, Math.Min(until, _delivered + CatchUpPage), stopping);
                if (page.Count == 0)
                {
                    return;
                }
                foreach (var record in page)
                {
                    await DeliverAsync(record, stopping);
                }
            }
        }

        private async Task DeliverAsync(AuditRecord record, CancellationToken stopping)
        {
            await Guard(() => subscriber.OnEventAsync(record, stopping), stopping);
            _delivered = record.Sequence;
        }

        /// <summary>A subscriber that throws loses nothing but its own handling of that event; the stream goes on.</summary>
        private async Task Guard(Func<ValueTask> call, CancellationToken stopping)
        {
            try
            {
                await call();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                stream._logger?.LogWarning("Audit subscriber {Subscriber} failed on an event ({Error}); it goes on with the next one.",
                    subscriber.GetType().Name, ex.GetType().Name);
            }
        }
    }
}
