using System.Globalization;

namespace Kaitiaki.Incidents.Charts;

/// <summary>What the incident charts share: numbers as SVG wants them, counts and buckets in words.</summary>
internal static class ChartText
{
    /// <summary>A coordinate, with no more decimals than a screen can show.</summary>
    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Count(long n, string one, string many) => n == 1 ? $"1 {one}" : $"{Count(n)} {many}";

    /// <summary>"minute", "5 minutes", "hour", "2 hours", "day", "7 days": what one bar covers.</summary>
    public static string Bucket(TimeSpan bucket) => bucket.TotalMinutes switch
    {
        1 => "minute",
        < 60 and var m => $"{m:0} minutes",
        60 => "hour",
        < 1440 and var m => $"{m / 60:0} hours",
        1440 => "day",
        var m => $"{m / 1440:0} days",
    };

    /// <summary>Keeps a label to what fits beside a bar; the table below the chart has it in full.</summary>
    public static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)].TrimEnd() + "…";
}
