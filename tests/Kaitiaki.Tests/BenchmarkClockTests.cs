using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>The benchmark clock exists only when set, and then moves what the whole portal reads as now.</summary>
public sealed class BenchmarkClockTests
{
    [Fact]
    public async Task The_clock_cannot_be_moved_unless_the_setting_is_on()
    {
        await using var portal = await TestPortal.StartAsync();

        var response = await portal.Client.PostAsync("/bench/clock/advance?seconds=60", null);

        // No endpoint: the portal's fallback for an unknown path applies (a stranger is sent to sign in).
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(portal.Services.GetRequiredService<EndpointDataSource>().Endpoints,
            e => e is RouteEndpoint route && route.RoutePattern.RawText?.StartsWith("/bench", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task With_the_setting_on_the_portals_clock_moves_forwards_by_the_seconds_asked()
    {
        // TestPortal puts in its own clock; take it out so the portal runs on the clock its own start-up chose.
        await using var portal = await TestPortal.StartAsync(
            settings: new Dictionary<string, string> { ["Kaitiaki:BenchmarkClock"] = "true" },
            configure: builder => builder.Services.Remove(builder.Services.Last(d => d.ServiceType == typeof(TimeProvider) && d.ImplementationInstance is MutableClock)));
        var clock = portal.Services.GetRequiredService<TimeProvider>();
        Assert.IsType<BenchmarkClock>(clock);
        var before = clock.GetUtcNow();

        var response = await portal.Client.PostAsync("/bench/clock/advance?seconds=3600", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<ClockAnswer>();
        Assert.True(answer!.Now >= before.AddHours(1), $"The answer says {answer.Now:O}, less than an hour after {before:O}.");
        Assert.True(clock.GetUtcNow() >= before.AddHours(1));
        Assert.True(clock.GetUtcNow() < before.AddHours(2), "The clock moved further than it was asked to.");
        Assert.Empty(EndpointCoverage.FindGaps(portal.Services.GetRequiredService<EndpointDataSource>().Endpoints));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-60")]
    [InlineData("86401")]
    public async Task The_clock_refuses_to_move_backwards_or_more_than_a_day_at_once(string seconds)
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:BenchmarkClock"] = "true" });

        var response = await portal.Client.PostAsync($"/bench/clock/advance?seconds={seconds}", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
