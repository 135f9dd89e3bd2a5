namespace Kaitiaki.Web;

/// <summary>Times are stored in UTC and shown to people in New Zealand time.</summary>
internal static class NzTime
{
    private static readonly TimeZoneInfo NewZealand = Find();

    public static DateTime From(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), NewZealand);

    /// <summary>Like "3 December 2026".</summary>
    public static string Date(DateTime utc) => From(utc).ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Like "3 Dec 2026, 9:41 AM".</summary>
    public static string DateAndTime(DateTime utc) => From(utc).ToString("d MMM yyyy, h:mm tt", System.Globalization.CultureInfo.InvariantCulture);

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
