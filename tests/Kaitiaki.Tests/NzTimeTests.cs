using Kaitiaki.Web;

namespace Kaitiaki.Tests;

public sealed class NzTimeTests
{
    [Fact]
    public void Summer_time_reads_as_New_Zealand_daylight_time()
    {
        // 20:41 UTC on 1 December is 9:41 am on Wednesday 2 December in Auckland (UTC+13).
        var utc = new DateTime(2026, 12, 1, 20, 41, 0, DateTimeKind.Utc);
        Assert.Equal("Wed 2 Dec 2026, 9:41 am NZDT", NzTime.DateAndTime(utc));
        Assert.Equal("Wed 2 Dec 2026", NzTime.Date(utc));
    }

    [Fact]
    public void Winter_time_reads_as_New_Zealand_standard_time()
    {
        var utc = new DateTime(2026, 7, 1, 3, 5, 0, DateTimeKind.Utc);
        Assert.Equal("Wed 1 Jul 2026, 3:05 pm NZST", NzTime.DateAndTime(utc));
    }

    [Fact]
    public void Calendar_dates_are_never_shifted_by_a_zone() =>
        Assert.Equal("14 March 1975", NzTime.CalendarDate(new DateOnly(1975, 3, 14)));

    [Fact]
    public void Recent_moments_read_as_how_long_ago()
    {
        var now = new DateTime(2026, 12, 1, 20, 41, 0, DateTimeKind.Utc);
        Assert.Equal("3 minutes ago", NzTime.Ago(now.AddMinutes(-3), now));
    }
}
