using Kaitiaki.Practices;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents.Pages;

/// <summary>How a practice's breach review reads on its pages, and which practice a page is for.</summary>
internal static class ReviewText
{
    /// <summary>"Version 2 (frozen)" or "Version 3 (draft)": how every count and list names its version.</summary>
    public static string VersionName(int version, bool frozen) => $"Version {version} ({(frozen ? "frozen" : "draft")})";

    public static string VersionName(PracticeVersionCount v) => VersionName(v.Version, v.Frozen);

    /// <summary>"1 day and 4 hours left", or "overdue by 3 hours".</summary>
    public static string TimeLeft(DateTime dueUtc, DateTime nowUtc) =>
        nowUtc <= dueUtc ? $"{Span(dueUtc - nowUtc)} left" : $"overdue by {Span(nowUtc - dueUtc)}";

    public static string Patients(int count) => count == 1 ? "1 patient" : $"{count:N0} patients";

    /// <summary>What was seen of a patient's documents, in the words the pages and the export use.</summary>
    public static string Disclosure(Disclosure disclosure) => disclosure == Incidents.Disclosure.Content ? "Content" : "Metadata only";

    public static string DisclosureHint(Disclosure disclosure) => disclosure == Incidents.Disclosure.Content
        ? "a document was opened or downloaded"
        : "only titles, dates and sizes were seen";

    /// <summary>Whether the patient was enrolled with this practice when their documents were accessed, and whether they are now.</summary>
    public static string Enrolled(ScopePatientRow row, Guid practiceId) =>
        (row.PracticeIdsAtAccess.Contains(practiceId), row.PracticeIdsNow.Contains(practiceId)) switch
        {
            (true, true) => "At the time of access, and now",
            (true, false) => "At the time of access; not now",
            (false, true) => "Now; not at the time of access",
            _ => "Not enrolled with you",
        };

    /// <summary>The message a page shows after a change (the <c>?done=</c> its redirect carries).</summary>
    public static string? Done(string? done, int version) => done switch
    {
        "flagged" => "The patient is flagged for clinician-led contact. Their reason is kept with the flag.",
        "unflagged" => "The flag is removed.",
        "approved" => $"You've approved version {version}. The incident manager can see your approval.",
        "approved-late" => $"You've approved version {version}. It came after the review deadline, so the incident manager sees it marked late.",
        _ => null,
    };

    /// <summary>
    /// The practices whose breach review the account may see (<see cref="PatientAccess.IncidentReviewPracticeIds"/>,
    /// practices that have left included), and the one asked for, or the first when none is named. Null when there is
    /// no such practice among them.
    /// </summary>
    public static async Task<(List<StaffPractice> Practices, StaffPractice Chosen)?> ChooseAsync(
        StaffAccess staff, PatientAccess access, Guid accountId, Guid? practiceId, CancellationToken cancellationToken)
    {
        var reviewable = await access.IncidentReviewPracticeIds(accountId).ToListAsync(cancellationToken);
        var practices = (await staff.PracticesAsync(accountId, cancellationToken)).Where(p => reviewable.Contains(p.PracticeId)).ToList();
        var chosen = practiceId is { } wanted ? practices.FirstOrDefault(p => p.PracticeId == wanted) : practices.FirstOrDefault();
        return chosen is null ? null : (practices, chosen);
    }

    public static string PracticeOption(StaffPractice p) => p.Status == PracticeStatus.Left ? $"{p.Name} (has left Kaitiaki)" : p.Name;

    private static string Span(TimeSpan span)
    {
        if (span.TotalDays >= 1)
        {
            var days = Plural((int)span.TotalDays, "day");
            return span.Hours == 0 ? days : $"{days} and {Plural(span.Hours, "hour")}";
        }
        if (span.TotalHours >= 1)
        {
            return Plural((int)span.TotalHours, "hour");
        }
        return span.TotalMinutes >= 1 ? Plural((int)span.TotalMinutes, "minute") : "less than a minute";
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
