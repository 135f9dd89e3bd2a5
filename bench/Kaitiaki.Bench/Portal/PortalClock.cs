using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Kaitiaki.Bench.Portal;

/// <summary>
/// What the portal reads as now. The portal runs on this machine, so it starts as this machine's clock; with
/// Kaitiaki:BenchmarkClock on, each move forwards learns the portal's answer, so authenticator codes made here
/// match the portal's steps however far the simulated day has gone.
/// </summary>
internal sealed class PortalClock(Uri portal)
{
    private long _offsetTicks;

    public DateTimeOffset Now => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the portal's clock forwards (in steps of at most a day, the most the portal takes at once).</summary>
    public async Task<DateTimeOffset> AdvanceAsync(TimeSpan by, CancellationToken cancellationToken)
    {
        using var http = PortalHttp.Create(portal, Sources.Home, connections: 1);
        var remaining = (long)Math.Ceiling(by.TotalSeconds);
        var now = Now;
        while (remaining > 0)
        {
            var step = Math.Min(remaining, 86_400);
            using var response = await http.PostAsync($"/bench/clock/advance?seconds={step.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new BenchException(
                    $"POST /bench/clock/advance answered {(int)response.StatusCode}: start the portal with --Kaitiaki:BenchmarkClock=true for simulated time.");
            }
            now = (await response.Content.ReadFromJsonAsync<ClockAnswer>(Json.Options, cancellationToken))?.Now
                ?? throw new BenchException("POST /bench/clock/advance answered without the portal's time.");
            Interlocked.Exchange(ref _offsetTicks, (now - DateTimeOffset.UtcNow).Ticks);
            remaining -= step;
        }
        return now;
    }

    private sealed record ClockAnswer(DateTimeOffset Now);
}
