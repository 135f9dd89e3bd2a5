using Kaitiaki.Security;
using Kaitiaki.Web;
using static Kaitiaki.Incidents.Charts.ChartText;

namespace Kaitiaki.Incidents.Charts;

/// <summary>
/// The geometry of a version's accesses over time: one bar per bucket of its window, the busiest in black with its count
/// above it, a few times along the bottom in New Zealand time, and each containment action as a dashed line numbered
/// like the key below the chart. Shapes, numbers and words carry the meaning, never colour alone.
/// </summary>
internal sealed class AccessesChart
{
    public const int Left = 56;
    public const int Top = 36;
    public const int PlotWidth = 672;
    public const int PlotHeight = 160;
    private const int MaxTimeLabels = 5;

    public sealed record Bar(string X, string Y, string Width, string Height, bool IsPeak);
    public sealed record Label(string X, string Y, string Text);
    public sealed record Mark(string X, Label Label);

    public AccessesChart(AccessesOverTime data)
    {
        Data = data;
        var n = data.Counts.Count;
        var step = (double)PlotWidth / n;
        Peak = data.Counts.Max();
        PeakIndex = Peak > 0 ? data.Counts.ToList().IndexOf(Peak) : null;
        Scale = ReadsChart.NiceCeiling(Peak);
        var barWidth = Math.Max(1, step * 0.8);
        Bars = data.Counts.Select((count, i) => (count, i)).Where(x => x.count > 0).Select(x =>
        {
            var height = Math.Max(1.0, x.count * (double)PlotHeight / Scale);
            return new Bar(N(Left + x.i * step), N(Baseline - height), N(barWidth), N(height), x.i == PeakIndex);
        }).ToList();
        if (PeakIndex is { } p)
        {
            var top = Baseline - Peak * (double)PlotHeight / Scale;
            PeakLabel = new Label(N(Clamp(Left + (p + 0.5) * step, 40)), N(Math.Max(top - 6, Top - 2)), $"Peak {Count(Peak)}");
        }
        var every = (int)Math.Ceiling(n / (double)MaxTimeLabels);
        var oneDay = NzTime.Date(data.Start) == NzTime.Date(data.BucketAt(n - 1));
        Times = Enumerable.Range(0, n).Where(i => i % every == 0).Select(i =>
        {
            var at = data.BucketAt(i);
            var text = data.Bucket.TotalDays >= 1 ? NzTime.From(at).ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture)
                : oneDay ? NzTime.Clock(at) : $"{NzTime.From(at).ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture)} {NzTime.Clock(at)}";
            var x = Left + i * step;
            return new Mark(N(x), new Label(N(Clamp(x, 48)), N(Baseline + 24), text));
        }).ToList();
        Containment = data.Containment.GroupBy(c => data.IndexOf(c.At)).Select(g =>
        {
            var x = Left + (g.Key + 0.5) * step;
            return new Mark(N(x), new Label(N(Clamp(x, 16)), "18", string.Join(", ", g.Select(c => c.Number))));
        }).ToList();
    }

    public AccessesOverTime Data { get; }
    public static int Width => Left + PlotWidth + 16;
    public static int Height => Top + PlotHeight + 36;
    public static int Baseline => Top + PlotHeight;
    public static int Right => Left + PlotWidth;
    public int Peak { get; }
    public int? PeakIndex { get; }

    /// <summary>The value at the top of the scale: the peak rounded up to 1, 2 or 5 times a power of ten.</summary>
    public int Scale { get; }

    public IReadOnlyList<Bar> Bars { get; }
    public Label? PeakLabel { get; }
    public IReadOnlyList<Mark> Times { get; }
    public IReadOnlyList<Mark> Containment { get; }

    /// <summary>The containment actions' numbers in one bucket, for the table.</summary>
    public string ContainmentIn(int index) => string.Join(", ", Data.Containment.Where(c => Data.IndexOf(c.At) == index).Select(c => c.Number));

    /// <summary>Keeps a centred label inside the plot, so a mark near either end is not cut off.</summary>
    private static double Clamp(double x, double halfWidth) => Math.Clamp(x, Left + halfWidth, Math.Max(Left + halfWidth, Right - halfWidth));
}
