using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Kaitiaki.Bench.Portal;

/// <summary>
/// What the portal reads as now. The portal runs on this machine, so it starts as this machine's clock; with
/// Kaitiaki:BenchmarkClock on, each move forwards learns the portal's answer, so authenticator codes made here
/// match the portal's steps however far the simulated day has gone.
/// </summary>
internal sealed class PortalClock(Uri portal) : IDisposable
{
    // One kept-alive connection for the whole day: a simulated day moves the clock hundreds of times.
    private readonly HttpClient _http = PortalHttp.Create(portal, Sources.Home, connections: 1);
    private long _offsetTicks;

    public DateTimeOffset Now => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>
    /// Learns the portal's time, if it runs the benchmark clock, by moving it one second: a portal an earlier run moved
    /// ahead would otherwise refuse every authenticator code made here. False, and nothing learnt, on a portal without it.
    /// </summary>
    public async Task<bool> TrySyncAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync("/bench/clock/advance?seconds=1", null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || await response.Content.ReadFromJsonAsync<ClockAnswer>(Json.Options, cancellationToken) is not { } answer)
        {
            return false;
        }
        Interlocked.Exchange(ref _offsetTicks, (answer.Now - DateTimeOffset.UtcNow).Ticks);
        return true;
    }

    /// <summary>Moves the portal's clock forwards (in steps of at most a day, the most the portal takes at once).</summary>
    public async Task<DateTimeOffset> AdvanceAsync(TimeSpan by, CancellationToken cancellationToken)
    {
        var remaining = (long)Math.Ceiling(by.TotalSeconds);
        var now = Now;
        while (remaining > 0)
        {
            var step = Math.Min(remaining, 86_400);
            using var response = await _http.PostAsync($"/bench/clock/advance?seconds={step.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);
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

    public void Dispose() => _http.Dispose();

    private sealed record ClockAnswer(DateTimeOffset Now);
}
