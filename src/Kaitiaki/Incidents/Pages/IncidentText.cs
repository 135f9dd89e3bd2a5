using System.Globalization;
using Kaitiaki.Web;

namespace Kaitiaki.Incidents.Pages;

/// <summary>One of an incident's clocks as the pages show it: what is due, by when, and whether it was met.</summary>
internal sealed record IncidentClock(string Id, string Name, DateTime DueAt, DateTime? MetAt, string? MetWords, DateTime Now)
{
    public TimeSpan Left => DueAt - Now;
    public bool Overdue => MetAt is null && Left < TimeSpan.Zero;
    public long SecondsLeft => (long)Math.Floor(Left.TotalSeconds);
}

/// <summary>The incident pages' words: clocks, timeline kinds, form times and the message after each change.</summary>
internal static class IncidentText
{
    private static readonly Dictionary<string, string> Done = new(StringComparer.Ordinal)
    {
        ["opened"] = "The incident is open. The Privacy Commissioner's 72 hours run from the time of awareness.",
        ["entry"] = "Added to the timeline.",
        ["harm"] = "The finding is recorded. Earlier findings for the factor are kept below it.",
        ["agency"] = "The contact is recorded and added to the timeline.",
        ["contact"] = "The contact person is saved.",
        ["ran"] = "The scope ran and its counts are saved as a new version.",
        ["frozen"] = "The version is frozen. It will never change; practices can now review and approve it.",
    };

    public static string? DoneMessage(string? done) => done is not null && Done.TryGetValue(done, out var message) ? message : null;

    /// <summary>"41 hours 12 minutes left" or "Overdue by 3 hours 5 minutes"; incident-clock.js writes the same words.</summary>
    public static string Left(TimeSpan left)
    {
        var span = left.Duration();
        var hours = (long)Math.Floor(span.TotalHours);
        var minutes = span.Minutes;
        var words = (hours, minutes) switch
        {
            (0, 0) => "less than a minute",
            (0, _) => Plural(minutes, "minute"),
            (_, 0) => Plural(hours, "hour"),
            _ => $"{Plural(hours, "hour")} {Plural(minutes, "minute")}",
        };
        return left < TimeSpan.Zero && (hours, minutes) != (0, 0) ? $"Overdue by {words}" : left < TimeSpan.Zero ? "Overdue" : $"{words} left";
    }

    /// <summary>"30 hours 5 minutes": how long one moment was after another.</summary>
    public static string Took(TimeSpan span) => Left(span.Duration())[..^" left".Length];

    public static string Plural(long n, string one) => n == 1 ? $"1 {one}" : $"{n.ToString("N0", CultureInfo.InvariantCulture)} {one}s";

    public static string Kind(TimelineKind kind) => kind switch
    {
        TimelineKind.Opened => "Opened",
        TimelineKind.Containment => "Containment",
        TimelineKind.ScopeVersion => "Scope version",
        TimelineKind.Freeze => "Frozen",
        TimelineKind.Review => "Practice review",
        TimelineKind.Call => "Call",
        TimelineKind.Agency => "Agency",
        TimelineKind.Decision => "Decision",
        TimelineKind.Note => "Note",
        TimelineKind.HarmAssessment => "Harm assessment",
        _ => kind.ToString(),
    };

    /// <summary>The kinds of entry a person adds by hand, in the order the form offers them.</summary>
    public static readonly IReadOnlyList<(TimelineKind Kind, string Value, string Hint)> ManualKinds =
    [
        (TimelineKind.Call, "call", "A phone or video call: who with, and what was said"),
        (TimelineKind.Agency, "agency", "Something to or from an agency that is not a first contact (record first contacts under Agencies)"),
        (TimelineKind.Decision, "decision", "A decision and who made it"),
        (TimelineKind.Note, "note", "Anything else worth keeping"),
    ];

    public static readonly IReadOnlyList<(Agency Agency, string Value)> Agencies =
    [
        (Agency.PrivacyCommissioner, "privacy-commissioner"),
        (Agency.HealthNz, "health-nz"),
        (Agency.Ncsc, "ncsc"),
        (Agency.Police, "police"),
        (Agency.Other, "other"),
    ];

    public static readonly IReadOnlyList<(HarmFactor Factor, string Section, string Hint)> Factors =
    [
        (HarmFactor.ActionsTaken, "s113(a)", "What has been done to reduce the risk of harm: containment, credentials reset, documents withdrawn."),
        (HarmFactor.Sensitivity, "s113(b)", "Health information is sensitive; say what kinds of document were reached."),
        (HarmFactor.NatureOfHarm, "s113(c)", "The harm that may follow: distress, discrimination, fraud, risk to safety."),
        (HarmFactor.WhoHolds, "s113(d)", "Who has or may have the information, as far as known. Patients' notices never name a suspected holder."),
        (HarmFactor.SecurityProtection, "s113(e)", "Whether a security measure protects the information, such as encryption the holder cannot undo."),
        (HarmFactor.OtherMatters, "s113(f)", "Any other relevant matters."),
    ];

    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd H:mm", "yyyy-MM-dd H:mm:ss", "yyyy-MM-dd'T'H:mm", "yyyy-MM-dd'T'H:mm:ss", "yyyy-MM-dd h:mm tt", "yyyy-MM-dd h:mmtt", "yyyy-MM-dd h tt", "yyyy-MM-dd htt",
        "d/M/yyyy H:mm", "d/M/yyyy H:mm:ss", "d/M/yyyy h:mm tt", "d/M/yyyy h:mmtt", "d/M/yyyy h tt", "d/M/yyyy htt",
    ];

    /// <summary>A date and time typed in New Zealand time ("2026-12-01 09:00", "1/12/2026 9:00 am"), as UTC.</summary>
    public static bool TryReadTime(string? text, out DateTime utc)
    {
        utc = default;
        var squashed = string.Join(' ', (text ?? "").Trim().ToUpperInvariant().Replace(".", "", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (!DateTime.TryParseExact(squashed, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return false;
        }
        utc = NzTime.ToUtc(local);
        return true;
    }

    /// <summary>A moment as the forms show it back: "2026-12-01 09:00", in New Zealand time.</summary>
    public static string FormTime(DateTime utc) => NzTime.From(utc).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public const string TimeHint = "In New Zealand time, for example 2026-12-01 09:00 or 1/12/2026 9:00 am";
}
