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

    /// <summary>
    /// The UTC instant of a New Zealand wall-clock time with no zone of its own (a form's date and time). A time that
    /// does not exist (the hour skipped when summer time starts) is read an hour later, as a clock on the wall would show.
    /// </summary>
    public static DateTime ToUtc(DateTime nzWallClock)
    {
        var local = DateTime.SpecifyKind(nzWallClock, DateTimeKind.Unspecified);
        return NewZealand.IsInvalidTime(local)
            ? TimeZoneInfo.ConvertTimeToUtc(local.AddHours(1), NewZealand)
            : TimeZoneInfo.ConvertTimeToUtc(local, NewZealand);
    }

    /// <summary>"NZDT" in summer time, "NZST" otherwise.</summary>
    public static string Zone(DateTime utc) => NewZealand.IsDaylightSavingTime(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) ? "NZDT" : "NZST";

    /// <summary>Like "Tue 2 Dec 2026": the New Zealand date of a moment.</summary>
    public static string Date(DateTime utc) => DayOf(From(utc));

    /// <summary>Like "Tue 2 Dec 2026, 9:41 am NZDT".</summary>
    public static string DateAndTime(DateTime utc) => $"{Date(utc)}, {Clock(utc)} {Zone(utc)}";

    /// <summary>Like "9:41 am": New Zealand writing uses lower-case am and pm.</summary>
    public static string Clock(DateTime utc) => ClockOf(From(utc));

    /// <summary>
    /// Like "Tue 2 Dec 2026, 9:41–9:45 am NZDT", "Tue 2 Dec 2026, 11:50 am – 12:10 pm NZDT" or, across midnight,
    /// "Tue 2 Dec 2026, 11:50 pm NZDT – Wed 3 Dec 2026, 12:10 am NZDT"; one time when both fall in the same minute.
    /// </summary>
    public static string DateAndTimeRange(DateTime fromUtc, DateTime toUtc)
    {
        if (fromUtc > toUtc)
        {
            (fromUtc, toUtc) = (toUtc, fromUtc);
        }
        var (from, to) = (From(fromUtc), From(toUtc));
        if (Minute(from) == Minute(to))
        {
            return DateAndTime(fromUtc);
        }
        if (from.Date != to.Date || Zone(fromUtc) != Zone(toUtc))
        {
            return $"{DateAndTime(fromUtc)} \u2013 {DateAndTime(toUtc)}";
        }
        return Half(from) == Half(to)
            ? $"{DayOf(from)}, {Face(from)}\u2013{Face(to)} {Half(to)} {Zone(toUtc)}"
            : $"{DayOf(from)}, {ClockOf(from)} \u2013 {ClockOf(to)} {Zone(toUtc)}";
    }

    /// <summary>Like "3 minutes ago", for moments close enough that the exact time matters less than how long ago.</summary>
    public static string Ago(DateTime utc, DateTime nowUtc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).Humanize(utcDate: true, dateToCompareAgainst: DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc), culture: English);

    /// <summary>Like "2 December 2026": a calendar date, which has no zone.</summary>
    public static string CalendarDate(DateOnly date) => date.ToString("d MMMM yyyy", English);

    /// <summary>
    /// The UTC instant a New Zealand calendar day begins. Daylight saving changes at 2 am or 3 am, never at midnight, so
    /// midnight always exists exactly once; the day after a change is 23 or 25 hours long, which is why a day's end is
    /// taken as the next day's start rather than 24 hours on.
    /// </summary>
    public static DateTime StartOfDay(DateOnly nzDate) =>
        TimeZoneInfo.ConvertTimeToUtc(nzDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), NewZealand);

    /// <summary>The element people read and machines parse: the words as text, the instant in UTC in the datetime attribute.</summary>
    public static string Iso(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string DayOf(DateTime nz) => nz.ToString("ddd d MMM yyyy", English);

    private static string ClockOf(DateTime nz) => $"{Face(nz)} {Half(nz)}";

    private static string Face(DateTime nz) => nz.ToString("h:mm", CultureInfo.InvariantCulture);

    private static string Half(DateTime nz) => nz.Hour < 12 ? "am" : "pm";

    private static DateTime Minute(DateTime nz) => new(nz.Year, nz.Month, nz.Day, nz.Hour, nz.Minute, 0, nz.Kind);
}
