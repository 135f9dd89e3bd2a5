using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>An alert as the chart marks it: where it falls, and its number in the chart's key.</summary>
internal sealed record ChartAlert(int Number, Guid Id, string Rule, DateTime RaisedAt, int Minute);

/// <summary>
/// Reads of patients' data per minute over a window that ends with the current minute, and the alerts raised in it.
/// <see cref="Counts"/>[0] is the minute starting at <see cref="From"/>.
/// </summary>
internal sealed record ReadsPerMinute(DateTime From, IReadOnlyList<int> Counts, IReadOnlyList<ChartAlert> Alerts)
{
    public int Total => Counts.Sum();
    public int Peak => Counts.Count == 0 ? 0 : Counts.Max();

    /// <summary>The first minute with the most reads; null when there were none.</summary>
    public int? PeakMinute => Peak == 0 ? null : Counts.ToList().IndexOf(Peak);

    public DateTime MinuteAt(int index) => From.AddMinutes(index);
}

/// <summary>
/// Counts successful reads (documents listed, viewed, opened or downloaded, and patients shown in lists) per minute from
/// the audit trail, for the console's chart. The database groups by minute, so the count comes back as one row a minute
/// whatever the traffic. No patient is named: it is counts only.
/// </summary>
internal sealed class ReadActivity(KaitiakiDb db, TimeProvider clock)
{
    public static readonly AuditAction[] Reads =
    [
        AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed, AuditAction.DocumentListed, AuditAction.DocumentMetadataViewed,
        AuditAction.PatientListViewed,
    ];

    public async Task<ReadsPerMinute> LastAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var thisMinute = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var minutes = Math.Max(1, (int)window.TotalMinutes);
        var from = thisMinute.AddMinutes(1 - minutes);
        var rows = await db.AuditEvents.AsNoTracking()
            .Where(e => e.OccurredAt >= from && e.Outcome == AuditOutcome.Success && Reads.Contains(e.Action))
            .GroupBy(e => new { e.OccurredAt.Year, e.OccurredAt.Month, e.OccurredAt.Day, e.OccurredAt.Hour, e.OccurredAt.Minute })
            .Select(g => new { g.Key.Year, g.Key.Month, g.Key.Day, g.Key.Hour, g.Key.Minute, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var counts = new int[minutes];
        foreach (var row in rows)
        {
            var index = (int)(new DateTime(row.Year, row.Month, row.Day, row.Hour, row.Minute, 0, DateTimeKind.Utc) - from).TotalMinutes;
            if (index >= 0 && index < minutes)
            {
                counts[index] += row.Count;
            }
        }
        var alerts = await db.SecurityAlerts.AsNoTracking().Where(a => a.RaisedAt >= from).OrderBy(a => a.RaisedAt)
            .Select(a => new { a.Id, a.Rule, a.RaisedAt }).ToListAsync(cancellationToken);
        var marks = alerts.Select((a, i) => new ChartAlert(i + 1, a.Id, a.Rule, a.RaisedAt, Math.Clamp((int)(a.RaisedAt - from).TotalMinutes, 0, minutes - 1)))
            .ToList();
        return new ReadsPerMinute(from, counts, marks);
    }
}
