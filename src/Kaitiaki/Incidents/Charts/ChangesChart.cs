using Kaitiaki.Security;
using static Kaitiaki.Incidents.Charts.ChartText;

namespace Kaitiaki.Incidents.Charts;

/// <summary>
/// The geometry of what changed from one version to another, for patients and for documents: a solid bar for those in
/// both, a hatched bar for those added, and an outlined, dashed bar for those removed, each with its count and its
/// name written after it, so it reads in words without any colour.
/// </summary>
internal sealed class ChangesChart
{
    public const int Left = 8;
    public const int Top = 8;
    public const int PlotWidth = 500;
    public const int BarHeight = 16;
    public const int GroupHeight = 110;

    /// <summary>How a bar is drawn: solid for "in both", hatched for "added", outlined for "removed".</summary>
    public enum Fill
    {
        Solid,
        Hatched,
        Outlined,
    }

    public sealed record Bar(string Y, string Width, string LabelX, string LabelY, string Label, Fill Fill);
    public sealed record Group(string HeadingY, string Heading, IReadOnlyList<Bar> Bars);

    public ChangesChart(ScopeVersion from, ScopeVersion to, ScopeComparison comparison)
    {
        From = from;
        To = to;
        Comparison = comparison;
        PatientsInBoth = to.Patients - comparison.PatientsAdded.Count;
        DocumentsInBoth = to.Documents - comparison.DocumentsAdded.Count;
        Scale = ReadsChart.NiceCeiling(new[]
        {
            PatientsInBoth, comparison.PatientsAdded.Count, comparison.PatientsRemoved.Count,
            DocumentsInBoth, comparison.DocumentsAdded.Count, comparison.DocumentsRemoved.Count,
        }.Max());
        Groups =
        [
            Make(0, "Patients", PatientsInBoth, comparison.PatientsAdded.Count, comparison.PatientsRemoved.Count),
            Make(1, "Documents", DocumentsInBoth, comparison.DocumentsAdded.Count, comparison.DocumentsRemoved.Count),
        ];
    }

    public ScopeVersion From { get; }
    public ScopeVersion To { get; }
    public ScopeComparison Comparison { get; }
    public int PatientsInBoth { get; }
    public int DocumentsInBoth { get; }
    public int Scale { get; }
    public IReadOnlyList<Group> Groups { get; }
    public static int Width => Left + PlotWidth + 200;
    public static int Height => Top + 2 * GroupHeight;

    private Group Make(int index, string heading, int both, int added, int removed)
    {
        var y = Top + index * GroupHeight;
        Bar Bar(int row, int count, string words, Fill fill)
        {
            var top = y + 26 + row * (BarHeight + 10);
            var width = count * (double)PlotWidth / Scale;
            return new Bar(N(top), N(Math.Max(width, count > 0 ? 1 : 0)), N(Left + width + 8), N(top + BarHeight - 3), $"{words} {Count(count)}", fill);
        }
        return new Group(N(y + 16), heading,
        [
            Bar(0, both, "In both", Fill.Solid),
            Bar(1, added, "Added", Fill.Hatched),
            Bar(2, removed, "Removed", Fill.Outlined),
        ]);
    }
}
