using System.Globalization;
using Humanizer;

namespace Kaitiaki.Web;

/// <summary>
/// Times are stored in UTC and shown to people in one convention: New Zealand time with its zone, as people read it
/// ("Tue 2 Dec 2026, 9:41 am NZDT"). Calendar dates that have no time of day (a date of birth, a date of service)
/// read "2 December 2026" and are never shifted by a zone.
/// </summary>
internal static class NzTime
{
    private static readonly TimeZoneInfo NewZealand = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-NZ");

    public static DateTime From(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), NewZealand);

    /// <summary>"NZDT" in summer time, "NZST" otherwise.</summary>
    public static string Zone(DateTime utc) => NewZealand.IsDaylightSavingTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) ? "NZDT" : "NZST";

    /// <summary>Like "Tue 2 Dec 2026": the New Zealand date of a moment.</summary>
    public static string Date(DateTime utc) => From(utc).ToString("ddd d MMM yyyy", English);

    /// <summary>Like "Tue 2 Dec 2026, 9:41 am NZDT".</summary>
    public static string DateAndTime(DateTime utc) => $"{Date(utc)}, {Clock(utc)} {Zone(utc)}";

    /// <summary>Like "9:41 am".</summary>
    public static string Clock(DateTime utc) => From(utc).ToString("h:mm tt", English).ToLowerInvariant();

    /// <summary>Like "3 minutes ago", for moments close enough that the exact time matters less than how long ago.</summary>
    public static string Ago(DateTime utc, DateTime nowUtc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).Humanize(utcDate: true, dateToCompareAgainst: DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc), culture: English);

    /// <summary>Like "2 December 2026": a calendar date, which has no zone.</summary>
    public static string CalendarDate(DateOnly date) => date.ToString("d MMMM yyyy", English);

    /// <summary>The element people read and machines parse: the words as text, the instant in UTC in the datetime attribute.</summary>
    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
