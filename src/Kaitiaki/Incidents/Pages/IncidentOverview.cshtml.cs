using Kaitiaki.Audit;
using Kaitiaki.Incidents.Charts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// One incident at a glance: what it is and where it came from, its clocks (the Commissioner's 72 hours, practices'
/// review of each frozen version), a version's counts and pictures (affected patients by practice, accesses over time
/// with containment marked), practices' approvals, and the latest of the timeline.
/// </summary>
[Audited(AuditAction.IncidentViewed)]
internal sealed class IncidentOverviewModel(
    IncidentService incidents, PracticeReview review, ScopeActivity activity, IncidentDesk desk, AuditTrail audit, TimeProvider clock) : IncidentPage(incidents)
{
    public const int RecentLines = 5;

    public IReadOnlyList<ScopeVersion> Versions { get; private set; } = [];
    public ScopeVersion? Shown { get; private set; }
    public IReadOnlyList<IncidentClock> Clocks { get; private set; } = [];
    public AccessesChart? Accesses { get; private set; }
    public PracticesChart? Practices { get; private set; }
    public IReadOnlyDictionary<int, List<PracticeReviewRow>> Reviews { get; private set; } = new Dictionary<int, List<PracticeReviewRow>>();
    public int OpenFlags { get; private set; }
    public IReadOnlyList<TimelineLine> Recent { get; private set; } = [];
    public int TimelineCount { get; private set; }
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();
    public AlertOrigin? Origin { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, int? version, string? done, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Message = IncidentText.DoneMessage(done);
        var now = clock.GetUtcNow().UtcDateTime;
        Versions = await Incidents.VersionsAsync(id, cancellationToken);
        Shown = version is { } n ? Versions.FirstOrDefault(v => v.Version == n) : await review.ChosenVersionAsync(id, null, cancellationToken);
        if (version is not null && Shown is null)
        {
            Problem = new Problem($"This incident has no scope version {version}. The latest is shown instead.");
            Shown = await review.ChosenVersionAsync(id, null, cancellationToken);
        }
        Reviews = await desk.ReviewsAsync(id, Versions, cancellationToken);
        var clocks = new List<IncidentClock> { CommissionerClock(Incident, now) };
        foreach (var frozen in Versions.Where(v => v.ReviewDueAt is not null))
        {
            var rows = Reviews.GetValueOrDefault(frozen.Version) ?? [];
            var allApproved = rows.Count > 0 && rows.All(r => r.ApprovedAt is not null);
            var last = allApproved ? rows.Max(r => r.ApprovedAt) : null;
            clocks.Add(new IncidentClock($"review-{frozen.Version}", $"Practices' review of version {frozen.Version}", frozen.ReviewDueAt!.Value, last,
                last is { } at ? $"{(rows.Count == 1 ? "The practice" : $"All {rows.Count} practices")} approved; the last {NzTime.DateAndTime(at)}."
                    + (rows.Any(r => r.Late) ? $" {IncidentText.Plural(rows.Count(r => r.Late), "approval")} came late." : "") : null, now));
        }
        Clocks = clocks;
        if (Shown is { } shown)
        {
            Accesses = new AccessesChart(await activity.AccessesAsync(shown, cancellationToken));
            Practices = new PracticesChart(shown.Version, await activity.PracticesAsync(shown, cancellationToken));
        }
        OpenFlags = (await review.OpenFlagsAsync(id, cancellationToken)).Count;
        var timeline = await Incidents.TimelineAsync(Incident, cancellationToken);
        TimelineCount = timeline.Count;
        Recent = timeline.TakeLast(RecentLines).Reverse().ToList();
        Names = await desk.NamesAsync(Recent.Select(l => l.By).Append(Incident.CreatedBy), cancellationToken);
        if (Incident.AlertId is { } alertId)
        {
            Origin = await desk.AlertAsync(alertId, cancellationToken);
        }
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: id,
            detail: Shown is null ? "overview" : $"overview; version {Shown.Version}");
        return Page();
    }

    public string NameOf(Guid? id) => id is null ? "Kaitiaki" : Names.TryGetValue(id.Value, out var name) ? name : "An operator";
}
