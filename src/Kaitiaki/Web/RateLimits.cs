using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Web;

/// <summary>Per-address limits on the doors people guess at: sign-in, MFA, activation and invitations.</summary>
internal static class RateLimits
{
    public const string SignIn = "sign-in";

    /// <summary>The forgotten-password page: its own allowance per address, so recovery and sign-in do not use up each other's.</summary>
    public const string Recovery = "recovery";

    public static IServiceCollection AddKaitiakiRateLimits(this IServiceCollection services, KaitiakiOptions options)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                // Before authentication, so the event has the address but no account; the typed address is never read.
                await context.HttpContext.RequestServices.GetRequiredService<RefusalAudit>()
                    .RecordAsync(context.HttpContext, Audit.AuditAction.RequestRateLimited, cancellationToken);
                context.HttpContext.Response.Headers.RetryAfter = "60";
                if (context.HttpContext.Request.Path.StartsWithSegments("/api"))
                {
                    await Results.Problem(
                        title: "Too many attempts",
                        detail: "There have been too many attempts from this address. Please wait a minute and try again.",
                        statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext);
                    return;
                }
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                await context.HttpContext.Response.WriteAsync(
                    "There have been too many attempts from this address. Please wait a minute and try again.", cancellationToken);
            };
            o.AddPolicy(SignIn, context => PerAddress(context, options));
            o.AddPolicy(Recovery, context => PerAddress(context, options));
        });
        return services;
    }

    // Only attempts count: reading the page is free.
    private static RateLimitPartition<string> PerAddress(HttpContext context, KaitiakiOptions options) =>
        HttpMethods.IsGet(context.Request.Method) ? RateLimitPartition.GetNoLimiter("read") : RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.SignInAttemptsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
}
