using System.Collections.Concurrent;

namespace Kaitiaki.Security;

/// <summary>
/// The detector's working memory: sliding-window counters, sliding-window distinct sets, and flags that lapse. Each
/// call is one atomic step on the store (an increment with expiry, an add-and-count), never a read followed by a write,
/// so the same contract can be met by Redis (INCRBY and EXPIRE on time buckets; ZADD, ZREMRANGEBYSCORE and ZCARD; SET NX
/// PX) and shared between nodes. <see cref="InMemoryDetectionState"/> is the default, for one node.
/// </summary>
internal interface IDetectionState
{
    /// <summary>Adds <paramref name="amount"/> to the counter and answers its total over the last <paramref name="window"/>, this amount included.</summary>
    ValueTask<long> AddAsync(string key, long amount, TimeSpan window, DateTimeOffset now);

    /// <summary>Notes <paramref name="member"/> in the set and answers how many different members it has seen over the last <paramref name="window"/>.</summary>
    ValueTask<long> AddDistinctAsync(string key, string member, TimeSpan window, DateTimeOffset now);

    /// <summary>Sets the flag unless it is already set; true when this call set it. A null lifetime keeps it until cleared.</summary>
    ValueTask<bool> TrySetAsync(string key, TimeSpan? lifetime, DateTimeOffset now);

    /// <summary>Sets the flag to last at least <paramref name="lifetime"/> from now (null: until cleared); never shortens it.</summary>
    ValueTask ExtendAsync(string key, TimeSpan? lifetime, DateTimeOffset now);

    /// <summary>The index of the first of <paramref name="keys"/> whose flag is set, or -1: one round trip for every check a request needs.</summary>
    ValueTask<int> FirstSetAsync(IReadOnlyList<string> keys, DateTimeOffset now);

    ValueTask ClearAsync(string key);
}

/// <summary>
/// <see cref="IDetectionState"/> in this process's memory. Counters keep ten buckets per window, so "the last ten
/// minutes" is exact to a minute; sets keep each member's last sighting. Idle entries are swept as time passes.
/// </summary>
internal sealed class InMemoryDetectionState : IDetectionState
{
    private const int Buckets = 10;
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DistinctSet> _sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _flags = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public ValueTask<long> AddAsync(string key, long amount, TimeSpan window, DateTimeOffset now)
    {
        SweepIfDue(now);
        var counter = _counters.GetOrAdd(key, _ => new Counter(window));
        return ValueTask.FromResult(counter.Add(amount, now));
    }

    public ValueTask<long> AddDistinctAsync(string key, string member, TimeSpan window, DateTimeOffset now)
    {
        SweepIfDue(now);
        var set = _sets.GetOrAdd(key, _ => new DistinctSet(window));
        return ValueTask.FromResult(set.Add(member, now));
    }

    public ValueTask<bool> TrySetAsync(string key, TimeSpan? lifetime, DateTimeOffset now)
    {
        var until = lifetime is { } l ? now + l : DateTimeOffset.MaxValue;
        while (true)
        {
            if (_flags.TryAdd(key, until))
            {
                return ValueTask.FromResult(true);
            }
            if (!_flags.TryGetValue(key, out var existing))
            {
                continue;
            }
            if (existing > now)
            {
                return ValueTask.FromResult(false);
            }
            // A lapsed flag is replaced only if nobody else replaced it first.
            if (_flags.TryUpdate(key, until, existing))
            {
                return ValueTask.FromResult(true);
            }
        }
    }

    public ValueTask ExtendAsync(string key, TimeSpan? lifetime, DateTimeOffset now)
    {
        var until = lifetime is { } l ? now + l : DateTimeOffset.MaxValue;
        _flags.AddOrUpdate(key, until, (_, existing) => existing > until ? existing : until);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> FirstSetAsync(IReadOnlyList<string> keys, DateTimeOffset now)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (_flags.TryGetValue(keys[i], out var until) && until > now)
            {
                return ValueTask.FromResult(i);
            }
        }
        return ValueTask.FromResult(-1);
    }

    public ValueTask ClearAsync(string key)
    {
        _flags.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepEvery).UtcTicks, due) != due)
        {
            return;
        }
        foreach (var (key, counter) in _counters)
        {
            if (counter.IsIdle(now))
            {
                _counters.TryRemove(key, out _);
            }
        }
        foreach (var (key, set) in _sets)
        {
            if (set.IsIdle(now))
            {
                _sets.TryRemove(key, out _);
            }
        }
        foreach (var (key, until) in _flags)
        {
            if (until <= now)
            {
                _flags.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, until));
            }
        }
    }

    private sealed class Counter(TimeSpan window)
    {
        private readonly long _bucketTicks = Math.Max(1, window.Ticks / Buckets);
        private readonly long[] _counts = new long[Buckets];
        private readonly long[] _bucketOf = new long[Buckets];
        private long _lastBucket;
        private readonly Lock _lock = new();

        public long Add(long amount, DateTimeOffset now)
        {
            var bucket = now.UtcTicks / _bucketTicks;
            lock (_lock)
            {
                var slot = (int)(bucket % Buckets);
                if (_bucketOf[slot] != bucket)
                {
                    _bucketOf[slot] = bucket;
                    _counts[slot] = 0;
                }
                _counts[slot] += amount;
                _lastBucket = Math.Max(_lastBucket, bucket);
                long total = 0;
                for (var i = 0; i < Buckets; i++)
                {
                    if (_bucketOf[i] > bucket - Buckets && _bucketOf[i] <= bucket)
                    {
                        total += _counts[i];
                    }
                }
                return total;
            }
        }

        public bool IsIdle(DateTimeOffset now)
        {
            lock (_lock)
            {
                return now.UtcTicks / _bucketTicks - _lastBucket >= Buckets;
            }
        }
    }

    private sealed class DistinctSet(TimeSpan window)
    {
        private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
        private DateTimeOffset _last;
        private DateTimeOffset _nextPrune;
        private readonly Lock _lock = new();

        public long Add(string member, DateTimeOffset now)
        {
            lock (_lock)
            {
                _seen[member] = now;
                _last = now > _last ? now : _last;
                var cutoff = now - window;
                if (now >= _nextPrune)
                {
                    foreach (var (key, at) in _seen)
                    {
                        if (at <= cutoff)
                        {
                            _seen.Remove(key);
                        }
                    }
                    _nextPrune = now + window / Buckets;
                    return _seen.Count;
                }
                var count = 0;
                foreach (var at in _seen.Values)
                {
                    if (at > cutoff)
                    {
                        count++;
                    }
                }
                return count;
            }
        }

        public bool IsIdle(DateTimeOffset now)
        {
            lock (_lock)
            {
                return now - _last > window;
            }
        }
    }
}
