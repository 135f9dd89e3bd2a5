using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Security;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>Reads per minute from the audit trail, and the chart drawn from them.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityConsoleChartTests
{
    [Fact]
    public async Task Reads_are_counted_per_minute_from_the_audit_trail_and_the_busiest_minute_is_named()
    {
        await using var portal = await TestPortal.StartAsync();
        var (_, client, ids) = await portal.PatientWithDocumentsAsync(2);
        // Start on a fresh minute, so the three reads fall in one.
        var now = portal.Clock.GetUtcNow();
        portal.Clock.Advance(TimeSpan.FromSeconds(60 - now.Second));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{ids[i % 2]}/content")).StatusCode);
        }
        var busiest = portal.Clock.GetUtcNow().UtcDateTime;
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/documents")).StatusCode);
        // A refusal is not a read.
        await client.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");

        var reads = await portal.WithScopeAsync(sp => sp.GetRequiredService<ReadActivity>().LastAsync(TimeSpan.FromHours(3), CancellationToken.None));

        Assert.Equal(180, reads.Counts.Count);
        Assert.Equal(4, reads.Total);
        Assert.Equal(3, reads.Peak);
        Assert.Equal(busiest.Minute, reads.MinuteAt(reads.PeakMinute!.Value).Minute);
        Assert.Equal(1, reads.Counts[^1]);

        var analyst = await portal.SignInWebAsync(await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));
        var page = WebUtility.HtmlDecode(await analyst.GetStringAsync("/operator/security"));
        Assert.Contains("<svg class=\"kt-chart\"", page, StringComparison.Ordinal);
        Assert.Contains("role=\"img\"", page, StringComparison.Ordinal);
        Assert.Contains("In the last 3 hours there were 4 reads of patients' data.", page, StringComparison.Ordinal);
        Assert.Contains($"The busiest minute was {Kaitiaki.Web.NzTime.DateAndTime(reads.MinuteAt(reads.PeakMinute.Value))}, with 3 reads.", page, StringComparison.Ordinal);
        Assert.Contains("Peak 3", page, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chart_draws_one_bar_a_minute_with_reads_marks_the_peak_and_numbers_the_alerts()
    {
        var from = new DateTime(2026, 12, 2, 20, 30, 0, DateTimeKind.Utc);
        var counts = new int[60];
        counts[10] = 4;
        counts[11] = 40;
        counts[50] = 1;
        var alerts = new List<ChartAlert>
        {
            new(1, Guid.NewGuid(), "probing", from.AddMinutes(11), 11),
            new(2, Guid.NewGuid(), "canary", from.AddMinutes(11.5), 11),
            new(3, Guid.NewGuid(), "bulk-documents", from.AddMinutes(40), 40),
        };

        var chart = new ReadsChart(new ReadsPerMinute(from, counts, alerts));

        Assert.Equal(50, chart.Scale);
        Assert.Equal(3, chart.Bars.Count);
        Assert.Single(chart.Bars, b => b.IsPeak);
        Assert.Equal("Peak 40", chart.PeakLabel!.Text);
        Assert.Equal(["1, 2", "3"], chart.Alerts.Select(a => a.Label.Text));
        // 20:30 UTC on 2 December is 9:30 am NZDT: the hour mark is at 10:00 am, 30 minutes in.
        Assert.Equal("10:00 am", Assert.Single(chart.Hours).Label.Text);
        Assert.Equal([1, 1, 2, 5, 10, 20, 50, 100], new[] { 0, 1, 2, 3, 7, 11, 40, 51 }.Select(ReadsChart.NiceCeiling));
    }
}
