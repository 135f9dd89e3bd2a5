using System.Globalization;

namespace Kaitiaki.Web;

/// <summary>Times are stored in UTC and shown to people in New Zealand time.</summary>
internal static class NzTime
{
    private static readonly TimeZoneInfo NewZealand = Find();

    public static DateTime From(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), NewZealand);

    /// <summary>Like "3 December 2026".</summary>
    public static string Date(DateTime utc) => From(utc).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>Like "3 Dec 2026, 9:41 am".</summary>
    public static string DateAndTime(DateTime utc) => DateAndClock(From(utc));

    /// <summary>
    /// Like "3 Dec 2026, 9:41–9:45 am", "3 Dec 2026, 11:50 am–12:10 pm" or, across midnight,
    /// "3 Dec 2026, 11:50 pm – 4 Dec 2026, 12:10 am"; one time when both fall in the same minute.
    /// </summary>
    public static string DateAndTimeRange(DateTime fromUtc, DateTime toUtc)
    {
        var (from, to) = fromUtc <= toUtc ? (From(fromUtc), From(toUtc)) : (From(toUtc), From(fromUtc));
        if (Minute(from) == Minute(to))
        {
            return DateAndClock(from);
        }
        if (from.Date != to.Date)
        {
            return $"{DateAndClock(from)} \u2013 {DateAndClock(to)}";
        }
        var day = from.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        return Half(from) == Half(to)
            ? $"{day}, {ClockFace(from)}\u2013{ClockFace(to)} {Half(to)}"
            : $"{day}, {Clock(from)}\u2013{Clock(to)}";
    }

    private static string DateAndClock(DateTime nz) => $"{nz.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}, {Clock(nz)}";

    // New Zealand writing uses lower-case am and pm.
    private static string Clock(DateTime nz) => $"{ClockFace(nz)} {Half(nz)}";

    private static string ClockFace(DateTime nz) => nz.ToString("h:mm", CultureInfo.InvariantCulture);

    private static string Half(DateTime nz) => nz.Hour < 12 ? "am" : "pm";

    private static DateTime Minute(DateTime nz) => new(nz.Year, nz.Month, nz.Day, nz.Hour, nz.Minute, 0, nz.Kind);

    private static TimeZoneInfo Find()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }
}
