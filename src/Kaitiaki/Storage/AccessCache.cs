using System.Collections.Concurrent;

namespace Kaitiaki.Storage;

/// <summary>
/// Access decisions remembered between requests. An entry answers only while the access revision it was made at is
/// still the newest this process knows, and only until its own deadline (a session's timeout, a proxy grant's expiry,
/// or a minute at most). A remembered answer is provisional: the request's audit event is committed only if the
/// revision still holds (<see cref="Audit.AuditWriter"/>), and otherwise the request decides again from the database.
/// <see cref="Documents.DataKeys"/> keeps unwrapped data keys here too, for the same short lifetime.
/// </summary>
internal sealed class AccessCache<TKey, TValue> : IDisposable where TKey : notnull
{
    private const int Capacity = 20_000;
    private const int SweepEvery = 256;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly AccessRevisions _revisions;
    private readonly TimeProvider _clock;
    private readonly ITimer _sweeper;
    private long _sets;

    public AccessCache(AccessRevisions revisions, TimeProvider clock)
    {
        _revisions = revisions;
        _clock = clock;
        // Entries nobody asks for again are dropped too, within a minute of their deadline.
        _sweeper = clock.CreateTimer(_ => Sweep(), null, Lifetime, Lifetime);
    }

    public bool TryGet(TKey key, out TValue value, out long revision)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (IsCurrent(entry, _clock.GetUtcNow().UtcDateTime))
            {
                value = entry.Value;
                revision = entry.Revision;
                return true;
            }
            Drop(key, entry);
        }
        value = default!;
        revision = 0;
        return false;
    }

    /// <param name="revision">The access revision read before <paramref name="value"/> was.</param>
    /// <param name="validUntil">When the decision stops holding by itself (UTC), if it does.</param>
    public void Set(TKey key, TValue value, long revision, DateTime? validUntil)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var deadline = now + Lifetime;
        if (validUntil is { } until && until < deadline)
        {
            deadline = until;
        }
        // Out-of-date entries are dropped now and then, so that nothing about a shredded document or an ended session
        // lingers in memory for long after it stops answering.
        if (Interlocked.Increment(ref _sets) % SweepEvery == 0 || _entries.Count >= Capacity)
        {
            Sweep();
        }
        if (_entries.Count >= Capacity)
        {
            // Crude but bounded: a cache still full of current entries starts again rather than tracking which is oldest.
            foreach (var (fullKey, entry) in _entries)
            {
                Drop(fullKey, entry);
            }
        }
        var added = new Entry(value, revision, deadline);
        while (true)
        {
            if (_entries.TryGetValue(key, out var replaced))
            {
                if (_entries.TryUpdate(key, added, replaced))
                {
                    Release(replaced);
                    return;
                }
            }
            else if (_entries.TryAdd(key, added))
            {
                return;
            }
        }
    }

    public void Remove(TKey key)
    {
        if (_entries.TryRemove(key, out var entry))
        {
            Release(entry);
        }
    }

    /// <summary>Drops every entry that no longer answers. Runs every minute, and every 256th <see cref="Set"/>.</summary>
    public void Sweep()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        foreach (var (key, entry) in _entries)
        {
            if (!IsCurrent(entry, now))
            {
                Drop(key, entry);
            }
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var (key, entry) in _entries)
        {
            Drop(key, entry);
        }
    }

    private bool IsCurrent(Entry entry, DateTime now) => entry.Revision >= _revisions.Known && now < entry.ValidUntil;

    private void Drop(TKey key, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
        {
            Release(entry);
        }
    }

    /// <summary>A value that holds a secret (<see cref="Documents.DataKeys"/>) is disposed, and so cleared, once dropped.</summary>
    private static void Release(Entry entry) => (entry.Value as IDisposable)?.Dispose();

    private sealed record Entry(TValue Value, long Revision, DateTime ValidUntil);
}

/// <summary>
/// The access revision moved after a remembered decision was made, so the audit event that relied on it was not
/// recorded. Nothing has been disclosed; the request must decide again from the database.
/// </summary>
internal sealed class StaleAccessException() : Exception("Access changed while the request was being answered; it must be decided again.");
