using Kaitiaki.Security;
using static Kaitiaki.Incidents.Charts.ChartText;

namespace Kaitiaki.Incidents.Charts;

/// <summary>
/// The geometry of a version's affected patients by practice: for each practice, its name, then a solid bar for the
/// patients enrolled there when their data was read and a hatched bar for those enrolled there now, each with its
/// count written after it. The key says which is which in words; the table below has every practice.
/// </summary>
internal sealed class PracticesChart
{
    public const int Left = 8;
    public const int Top = 40;
    public const int PlotWidth = 540;
    public const int BarHeight = 14;
    public const int RowHeight = 64;

    /// <summary>More practices than this are in the table only; the chart says so.</summary>
    public const int MaxShown = 12;

    public sealed record Bar(string Y, string Width, string LabelX, string LabelY, string Label);
    public sealed record Row(string NameY, string Name, Bar Then, Bar Now, PracticeCount Practice);

    public PracticesChart(int version, IReadOnlyList<PracticeCount> practices)
    {
        Version = version;
        Practices = practices;
        Scale = ReadsChart.NiceCeiling(practices.Count == 0 ? 0 : practices.Max(p => Math.Max(p.AtAccess, p.Now)));
        Rows = practices.Take(MaxShown).Select((p, i) =>
        {
            var y = Top + i * RowHeight;
            var then = p.AtAccess * (double)PlotWidth / Scale;
            var now = p.Now * (double)PlotWidth / Scale;
            var name = Shorten(p.Name, 48) + (p.Left ? " (has left)" : "");
            return new Row(N(y + 16), name, MakeBar(y + 24, then, p.AtAccess, "then"), MakeBar(y + 24 + BarHeight + 4, now, p.Now, "now"), p);
        }).ToList();
    }

    public int Version { get; }
    public IReadOnlyList<PracticeCount> Practices { get; }
    public int Scale { get; }
    public IReadOnlyList<Row> Rows { get; }
    public static int Width => Left + PlotWidth + 190;
    public int Height => Top + Math.Max(1, Rows.Count) * RowHeight;
    public int Hidden => Practices.Count - Rows.Count;

    private static Bar MakeBar(double y, double width, int count, string when) =>
        new(N(y), N(Math.Max(width, count > 0 ? 1 : 0)), N(Left + width + 6), N(y + BarHeight - 2), $"{Count(count)} {when}");
}
