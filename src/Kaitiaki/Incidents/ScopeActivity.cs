using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>A containment action applied inside a version's window, numbered as the chart and its key number it.</summary>
internal sealed record ContainmentMark(int Number, DateTime At, string Words);

/// <summary>
/// A version's matched audit events counted per bucket of time over its window, earliest first, with the containment
/// actions applied in the window. <see cref="Total"/> is the version's own <see cref="ScopeVersion.EventsMatched"/> when
/// the trail is unchanged since it ran.
/// </summary>
internal sealed record AccessesOverTime(int Version, DateTime Start, TimeSpan Bucket, IReadOnlyList<int> Counts, IReadOnlyList<ContainmentMark> Containment)
{
    public long Total => Counts.Sum(c => (long)c);
    public DateTime BucketAt(int index) => Start + Bucket * index;
    public int IndexOf(DateTime at) => Math.Clamp((int)((at - Start).Ticks / Bucket.Ticks), 0, Counts.Count - 1);
}

/// <summary>One practice's share of a version's affected patients: enrolled there when their data was read, now, or either.</summary>
internal sealed record PracticeCount(Guid PracticeId, string Name, bool Left, int AtAccess, int Now, int Patients);

/// <summary>
/// What the incident pages draw: a version's accesses over time (the very events its filter matched, through
/// <see cref="Scoping.MatchedAsync"/>) and its affected patients by practice. Counts only; no patient is named here.
/// </summary>
internal sealed class ScopeActivity(KaitiakiDb db, Scoping scoping, TimeProvider clock)
{
    /// <summary>At most this many bars: enough to see a spike, few enough to read on a phone.</summary>
    public const int MaxBuckets = 96;

    private static readonly int[] BucketMinutes = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2 * 1440, 7 * 1440];

    public async Task<AccessesOverTime> AccessesAsync(ScopeVersion version, CancellationToken cancellationToken)
    {
        var filter = ScopeFilter.FromJson(version.Filter);
        var (start, bucket) = Buckets(filter.From, filter.To);
        var counts = new int[(int)((filter.To - start).Ticks / bucket.Ticks) + 1];
        await foreach (var e in scoping.MatchedAsync(filter, withItems: false, cancellationToken))
        {
            counts[Math.Clamp((int)((e.OccurredAt - start).Ticks / bucket.Ticks), 0, counts.Length - 1)]++;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var actions = await db.ContainmentActions.AsNoTracking().Where(a => a.AppliedAt >= filter.From && a.AppliedAt <= filter.To)
            .OrderBy(a => a.AppliedAt).ThenBy(a => a.Id).ToListAsync(cancellationToken);
        var marks = actions.Select((a, i) => new ContainmentMark(i + 1, a.AppliedAt, AlertWords.Action(SecurityConsole.Describe(a, now)))).ToList();
        return new AccessesOverTime(version.Version, start, bucket, counts, marks);
    }

    /// <summary>
    /// The first bucket's start and the bucket's length for a window: the shortest of the usual lengths that keeps to
    /// <see cref="MaxBuckets"/>, starting on a round New Zealand time (the hour, midnight) at or before the window.
    /// </summary>
    internal static (DateTime Start, TimeSpan Bucket) Buckets(DateTime from, DateTime to)
    {
        var span = to - from;
        var minutes = BucketMinutes.FirstOrDefault(m => span.TotalMinutes / m < MaxBuckets);
        if (minutes == 0)
        {
            minutes = (int)Math.Ceiling(span.TotalDays / MaxBuckets) * 1440;
        }
        var local = Web.NzTime.From(from);
        var sinceMidnight = (int)local.TimeOfDay.TotalMinutes;
        var floored = minutes >= 1440 ? local.Date : local.Date.AddMinutes(sinceMidnight - sinceMidnight % minutes);
        var start = Web.NzTime.ToUtc(floored);
        return (start > from ? start - TimeSpan.FromMinutes(minutes) : start, TimeSpan.FromMinutes(minutes));
    }

    /// <summary>Each practice tied to the version's patients, the most affected first; a practice that has left says so.</summary>
    public async Task<List<PracticeCount>> PracticesAsync(ScopeVersion version, CancellationToken cancellationToken)
    {
        var counts = await db.ScopePractices.AsNoTracking().Where(p => p.ScopeVersionId == version.Id)
            .GroupBy(p => p.PracticeId)
            .Select(g => new { PracticeId = g.Key, Patients = g.Count(), AtAccess = g.Count(p => p.AtAccess), Now = g.Count(p => p.Now) })
            .ToListAsync(cancellationToken);
        var ids = counts.Select(c => c.PracticeId).ToList();
        var practices = await db.Practices.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.Name, p.Status }).ToDictionaryAsync(p => p.Id, cancellationToken);
        return counts.Select(c => practices.TryGetValue(c.PracticeId, out var p)
                ? new PracticeCount(c.PracticeId, p.Name, p.Status == PracticeStatus.Left, c.AtAccess, c.Now, c.Patients)
                : new PracticeCount(c.PracticeId, "A practice no longer on record", false, c.AtAccess, c.Now, c.Patients))
            .OrderByDescending(c => c.Patients).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
    }
}
