using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Web;

/// <summary>Per-address limits on the doors people guess at: sign-in, MFA, activation and invitations.</summary>
internal static class RateLimits
{
    public const string SignIn = "sign-in";

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
            // Only attempts count: reading the sign-in page is free.
            o.AddPolicy(SignIn, context => HttpMethods.IsGet(context.Request.Method) ? RateLimitPartition.GetNoLimiter("read") : RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.SignInAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        return services;
    }
}
