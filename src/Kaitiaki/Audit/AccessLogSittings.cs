using Kaitiaki.Web;

namespace Kaitiaki.Audit;

/// <summary>One event of a patient's access log, in words, with what grouping needs to know.</summary>
internal sealed record AccessLogEvent(
    Guid Id, DateTime OccurredAt, bool ByViewer, Guid? SessionId, string Who, string? Role, AuditAction Action, string What, string Outcome);

/// <summary>An entry on the access-log page: one event, or the viewer's own repeats of one action in one sitting.</summary>
internal sealed record AccessLogSitting(DateTime From, DateTime To, int Count, bool ByViewer, string Who, string? Role, string What, string Outcome)
{
    /// <summary>Like "3 Dec 2026, 9:41–9:45 am", in New Zealand time.</summary>
    public string When => NzTime.DateAndTimeRange(From, To);

    /// <summary>Like "looked at your details 12 times".</summary>
    public string WhatAndHowOften => Count switch
    {
        1 => What,
        2 => $"{What} twice",
        _ => $"{What} {Count} times",
    };
}

/// <summary>
/// Groups a page of the access log into sittings. A dozen "You looked at your details" lines for one visit hide the
/// lines that matter, so the patient's own consecutive repeats of one action, with one outcome, in one session and
/// each within <see cref="Gap"/> of the one before, become one entry. Anyone else's event (a clinician, a proxy, practice
/// staff, an operator, the system) is never grouped and always ends the patient's group, so it stands on its own.
/// </summary>
internal static class AccessLogSittings
{
    public static readonly TimeSpan Gap = TimeSpan.FromMinutes(30);

    /// <param name="newestFirst">Events in the log's order, newest first.</param>
    public static List<AccessLogSitting> Group(IReadOnlyList<AccessLogEvent> newestFirst)
    {
        var sittings = new List<AccessLogSitting>();
        AccessLogEvent? last = null;
        foreach (var e in newestFirst)
        {
            if (last is not null && SameSitting(last, e))
            {
                var open = sittings[^1];
                sittings[^1] = open with { From = e.OccurredAt, Count = open.Count + 1 };
            }
            else
            {
                sittings.Add(new AccessLogSitting(e.OccurredAt, e.OccurredAt, 1, e.ByViewer, e.Who, e.Role, e.What, e.Outcome));
            }
            last = e;
        }
        return sittings;
    }

    // "newer" was seen first; "older" is the next event back in time.
    private static bool SameSitting(AccessLogEvent newer, AccessLogEvent older) =>
        newer.ByViewer && older.ByViewer
        && newer.SessionId is not null && newer.SessionId == older.SessionId
        && newer.Action == older.Action
        && newer.Outcome == older.Outcome
        && newer.OccurredAt - older.OccurredAt <= Gap;
}
