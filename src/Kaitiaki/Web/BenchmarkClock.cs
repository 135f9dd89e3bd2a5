using Microsoft.AspNetCore.Http.HttpResults;

namespace Kaitiaki.Web;

internal sealed record ClockAnswer(DateTimeOffset Now);

/// <summary>
/// The portal's clock for bench/attack.sh (Kaitiaki:BenchmarkClock): real time plus an offset that only grows, so a
/// simulated working day of low-and-slow reads takes minutes instead of hours. Timers and stopwatches keep real time;
/// only what the portal reads as "now" (session timeouts, authenticator steps, detection windows) moves on.
/// </summary>
internal sealed class BenchmarkClock : TimeProvider
{
    public const int MaxAdvanceSeconds = 86_400;

    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the clock on. Never back: the audit chain, sessions and authenticator steps all assume time goes forwards.</summary>
    public DateTimeOffset Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
        return GetUtcNow();
    }
}

internal static class BenchmarkClockSetup
{
    /// <summary>The portal's <see cref="TimeProvider"/>: the system clock, or a <see cref="BenchmarkClock"/> when the setting asks for one.</summary>
    public static IServiceCollection AddPortalClock(this IServiceCollection services, KaitiakiOptions options)
    {
        if (!options.BenchmarkClock)
        {
            return services.AddSingleton(TimeProvider.System);
        }
        services.AddSingleton<BenchmarkClock>();
        return services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<BenchmarkClock>());
    }

    /// <summary>Maps <c>POST /bench/clock/advance?seconds=N</c> when Kaitiaki:BenchmarkClock is on; otherwise nothing, so the path answers 404.</summary>
    public static void MapBenchmarkClock(this WebApplication app, KaitiakiOptions options)
    {
        if (!options.BenchmarkClock)
        {
            return;
        }
        app.Logger.LogWarning("Kaitiaki:BenchmarkClock is on: anyone can move the portal's clock forwards at POST /bench/clock/advance. Never set it on a real portal.");
        app.MapPost("/bench/clock/advance", Advance).AllowAnonymous().NoPatientData().DisableAntiforgery().ExcludeFromDescription();
    }

    private static Results<Ok<ClockAnswer>, ProblemHttpResult> Advance(int? seconds, BenchmarkClock clock) =>
        seconds is >= 1 and <= BenchmarkClock.MaxAdvanceSeconds
            ? TypedResults.Ok(new ClockAnswer(clock.Advance(TimeSpan.FromSeconds(seconds.Value))))
            : TypedResults.Problem(title: "The request is not valid",
                detail: $"Say how far to move the clock with ?seconds=, from 1 to {BenchmarkClock.MaxAdvanceSeconds}.", statusCode: StatusCodes.Status400BadRequest);
}
