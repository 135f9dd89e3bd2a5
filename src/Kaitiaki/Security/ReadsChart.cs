using System.Globalization;
using Kaitiaki.Web;

namespace Kaitiaki.Security;

/// <summary>
/// The geometry of the reads-per-minute chart, worked out here so the page only draws it: one bar a minute, the busiest
/// minute in black with its count above it, an hour mark along the bottom in New Zealand time, and each alert as a
/// dashed line numbered like the key below the chart. Shapes and numbers carry the meaning, never colour alone.
/// </summary>
internal sealed class ReadsChart
{
    public const int Left = 48;
    public const int Top = 36;
    public const int PlotHeight = 160;
    public const int BarStep = 4;
    public const int BarWidth = 3;

    public sealed record Bar(string X, string Y, string Height, bool IsPeak);
    public sealed record Label(string X, string Y, string Text, string Anchor);
    public sealed record Mark(string X, Label Label);

    public ReadsChart(ReadsPerMinute reads)
    {
        Reads = reads;
        var minutes = reads.Counts.Count;
        Width = Left + minutes * BarStep + 8;
        Scale = NiceCeiling(reads.Peak);
        var peak = reads.PeakMinute;
        Bars = reads.Counts.Select((count, i) => (count, i)).Where(x => x.count > 0).Select(x =>
        {
            var height = Math.Max(1.0, x.count * (double)PlotHeight / Scale);
            return new Bar(N(Left + x.i * BarStep), N(Baseline - height), N(height), x.i == peak);
        }).ToList();
        if (peak is { } p)
        {
            var top = Baseline - reads.Peak * (double)PlotHeight / Scale;
            PeakLabel = new Label(N(Clamp(Left + p * BarStep + BarWidth / 2.0, 40)), N(Math.Max(top - 6, Top - 2)),
                $"Peak {reads.Peak.ToString("N0", CultureInfo.InvariantCulture)}", "middle");
        }
        Hours = Enumerable.Range(0, minutes).Where(i => NzTime.From(reads.MinuteAt(i)).Minute == 0)
            .Select(i => new Mark(N(Left + i * BarStep), new Label(N(Clamp(Left + i * BarStep, 36)), N(Baseline + 24), NzTime.Clock(reads.MinuteAt(i)), "middle")))
            .ToList();
        Alerts = reads.Alerts.GroupBy(a => a.Minute).Select(g =>
        {
            var x = Left + g.Key * BarStep + BarWidth / 2.0;
            return new Mark(N(x), new Label(N(Clamp(x, 16)), "18", string.Join(", ", g.Select(a => a.Number)), "middle"));
        }).ToList();
    }

    public ReadsPerMinute Reads { get; }
    public int Width { get; }
    public static int Height => Top + PlotHeight + 36;
    public static int Baseline => Top + PlotHeight;
    public int Right => Left + Reads.Counts.Count * BarStep;

    /// <summary>The value at the top of the scale: the peak rounded up to 1, 2 or 5 times a power of ten.</summary>
    public int Scale { get; }

    public IReadOnlyList<Bar> Bars { get; }
    public Label? PeakLabel { get; }
    public IReadOnlyList<Mark> Hours { get; }
    public IReadOnlyList<Mark> Alerts { get; }

    public static int NiceCeiling(int peak)
    {
        if (peak <= 1)
        {
            return 1;
        }
        for (var power = 1; ; power *= 10)
        {
            foreach (var step in new[] { 1, 2, 5 })
            {
                if (step * power >= peak)
                {
                    return step * power;
                }
            }
        }
    }

    /// <summary>Keeps a centred label inside the plot, so a mark near either end is not cut off.</summary>
    private double Clamp(double x, double halfWidth) => Math.Clamp(x, Left + halfWidth, Math.Max(Left + halfWidth, Right - halfWidth));

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
