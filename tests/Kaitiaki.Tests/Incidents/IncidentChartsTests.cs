using Kaitiaki.Incidents;
using Kaitiaki.Incidents.Charts;
using Kaitiaki.Incidents.Pages;
using Kaitiaki.Web;

namespace Kaitiaki.Tests.Incidents;

/// <summary>The incident pages' pictures and words, worked out without a portal: buckets, bars, marks, clocks and typed times.</summary>
public sealed class IncidentChartsTests
{
    [Theory]
    [InlineData(30, 1)]
    [InlineData(95, 1)]
    [InlineData(96, 5)]
    [InlineData(6 * 60, 5)]
    [InlineData(24 * 60, 30)]
    [InlineData(3 * 24 * 60, 60)]
    [InlineData(30 * 24 * 60, 720)]
    [InlineData(365 * 24 * 60, 7 * 1440)]
    public void A_window_is_cut_into_the_shortest_usual_bucket_that_keeps_to_96_bars(int windowMinutes, int bucketMinutes)
    {
        var from = new DateTime(2026, 12, 2, 20, 17, 41, DateTimeKind.Utc);
        var (start, bucket) = ScopeActivity.Buckets(from, from.AddMinutes(windowMinutes));

        Assert.Equal(TimeSpan.FromMinutes(bucketMinutes), bucket);
        Assert.True(start <= from && from - start < bucket, $"{start:o} should be the start of the bucket holding {from:o}");
        Assert.True((from.AddMinutes(windowMinutes) - start) / bucket <= ScopeActivity.MaxBuckets + 1);
        // Buckets begin on round New Zealand times: on the minute, and at midnight for days.
        Assert.Equal(0, NzTime.From(start).Second);
        if (bucketMinutes >= 1440)
        {
            Assert.Equal(TimeSpan.Zero, NzTime.From(start).TimeOfDay);
        }
        else
        {
            Assert.Equal(0, (int)NzTime.From(start).TimeOfDay.TotalMinutes % bucketMinutes);
        }
    }

    [Fact]
    public void The_accesses_chart_marks_the_busiest_bucket_and_numbers_containment_like_its_key()
    {
        var start = new DateTime(2026, 12, 2, 20, 0, 0, DateTimeKind.Utc);
        var counts = new int[60];
        counts[3] = 2;
        counts[10] = 40;
        counts[59] = 1;
        var marks = new List<ContainmentMark>
        {
            new(1, start.AddMinutes(10.2), "Suspended the account"),
            new(2, start.AddMinutes(10.7), "Ended the session"),
            new(3, start.AddMinutes(30), "Blocked 203.0.113.0/24"),
        };
        var chart = new AccessesChart(new AccessesOverTime(3, start, TimeSpan.FromMinutes(1), counts, marks));

        Assert.Equal(43, chart.Data.Total);
        Assert.Equal(3, chart.Bars.Count);
        Assert.Equal(10, chart.PeakIndex);
        Assert.Single(chart.Bars, b => b.IsPeak);
        Assert.Equal(50, chart.Scale);
        Assert.Equal("Peak 40", chart.PeakLabel!.Text);
        // Two actions in one minute share a line; the table says which bucket holds which.
        Assert.Equal(["1, 2", "3"], chart.Containment.Select(m => m.Label.Text));
        Assert.Equal("1, 2", chart.ContainmentIn(10));
        Assert.Equal("", chart.ContainmentIn(3));
        Assert.InRange(chart.Times.Count, 2, 5);
        Assert.All(chart.Bars, b => Assert.InRange(double.Parse(b.X, System.Globalization.CultureInfo.InvariantCulture), AccessesChart.Left, AccessesChart.Right));
    }

    [Fact]
    public void The_practices_chart_shows_the_most_affected_practices_and_says_how_many_more_the_table_has()
    {
        var practices = Enumerable.Range(1, 15)
            .Select(i => new PracticeCount(Guid.NewGuid(), $"Practice {i}", Left: i == 2, AtAccess: 20 - i, Now: i == 1 ? 0 : 20 - i - 1, Patients: 20 - i))
            .ToList();
        var chart = new PracticesChart(4, practices);

        Assert.Equal(PracticesChart.MaxShown, chart.Rows.Count);
        Assert.Equal(3, chart.Hidden);
        Assert.Equal(20, chart.Scale);
        Assert.Equal("Practice 2 (has left)", chart.Rows[1].Name);
        Assert.Equal("19 then", chart.Rows[0].Then.Label);
        // A count of none draws no bar but still says so in words.
        Assert.Equal("0", chart.Rows[0].Now.Width);
        Assert.Equal("0 now", chart.Rows[0].Now.Label);
    }

    [Fact]
    public void The_changes_chart_counts_what_is_in_both_added_and_removed()
    {
        var a = new ScopeVersion { Version = 1, Filter = "{}", TrailMessage = "", Patients = 5, Documents = 10 };
        var b = new ScopeVersion { Version = 2, Filter = "{}", TrailMessage = "", Patients = 4, Documents = 9 };
        var comparison = new ScopeComparison(1, 2, [Guid.NewGuid()], [Guid.NewGuid(), Guid.NewGuid()], [Guid.NewGuid(), Guid.NewGuid()], [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()]);
        var chart = new ChangesChart(a, b, comparison);

        Assert.Equal(3, chart.PatientsInBoth);
        Assert.Equal(7, chart.DocumentsInBoth);
        Assert.Equal(["In both 3", "Added 1", "Removed 2"], chart.Groups[0].Bars.Select(x => x.Label));
        Assert.Equal(["In both 7", "Added 2", "Removed 3"], chart.Groups[1].Bars.Select(x => x.Label));
        // Solid, hatched and outlined: told apart by their drawing, not their colour.
        Assert.Equal([ChangesChart.Fill.Solid, ChangesChart.Fill.Hatched, ChangesChart.Fill.Outlined], chart.Groups[0].Bars.Select(x => x.Fill));
    }

    [Theory]
    [InlineData(72 * 3600, "72 hours left")]
    [InlineData(71 * 3600 + 59 * 60 + 59, "71 hours 59 minutes left")]
    [InlineData(3600 + 60, "1 hour 1 minute left")]
    [InlineData(12 * 60 + 5, "12 minutes left")]
    [InlineData(30, "less than a minute left")]
    [InlineData(-30, "Overdue")]
    [InlineData(-(8 * 3600 + 5 * 60), "Overdue by 8 hours 5 minutes")]
    [InlineData(-(100 * 3600), "Overdue by 100 hours")]
    public void A_clock_says_how_long_is_left_in_hours_and_minutes_or_how_overdue_it_is(int seconds, string words) =>
        Assert.Equal(words, IncidentText.Left(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("2026-12-01 09:00", 2026, 12, 1, 9, 0)]
    [InlineData("2026-12-01T21:30", 2026, 12, 1, 21, 30)]
    [InlineData(" 1/12/2026 9:00 am ", 2026, 12, 1, 9, 0)]
    [InlineData("1/12/2026 9:05 p.m.", 2026, 12, 1, 21, 5)]
    [InlineData("15/7/2026 9am", 2026, 7, 15, 9, 0)]
    public void Times_are_typed_in_New_Zealand_time_in_the_ways_people_write_them(string typed, int year, int month, int day, int hour, int minute)
    {
        Assert.True(IncidentText.TryReadTime(typed, out var utc));
        Assert.Equal(new DateTime(year, month, day, hour, minute, 0), NzTime.From(utc));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2026-12-01")]
    [InlineData("31/02/2026 9:00")]
    [InlineData("2026-13-01 09:00")]
    [InlineData("2026-12-01 25:00")]
    public void Anything_else_is_not_a_time(string typed) => Assert.False(IncidentText.TryReadTime(typed, out _));
}
