using Kaitiaki.Accounts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Diagnostics;

namespace Kaitiaki.Security;

/// <summary>Marks an endpoint that a kill switch stops for everyone (a switch for one practice is checked where the patient is known).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class SwitchedByAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

internal static class ContainmentMiddleware
{
    /// <summary>Paths a session asked for its second factor again may still use: to give it, or to leave.</summary>
    private static readonly string[] StepUpPaths = ["/account/step-up", "/api/v1/auth/step-up", "/error"];

    /// <summary>Anyone held may still sign out.</summary>
    private static readonly string[] SignOutPaths = ["/account/logout", "/api/v1/auth/logout"];

    public static TBuilder SwitchedBy<TBuilder>(this TBuilder builder, string name) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SwitchedByAttribute(KillSwitches.Find(name)?.Name ?? throw new ArgumentException($"No switch is called {name}.", nameof(name))));

    /// <summary>
    /// Every request, after authentication: a blocked source, a suspended account, an ended session, a session asked for
    /// its second factor, a throttled session and a switched-off endpoint are each answered here, before anything runs.
    /// A session used from a new network or device is noticed here too.
    /// </summary>
    public static void UseContainment(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IStatusCodeReExecuteFeature>() is not null)
            {
                await next(context);
                return;
            }
            var services = context.RequestServices;
            var state = services.GetRequiredService<IDetectionState>();
            var clock = services.GetRequiredService<TimeProvider>();
            var now = clock.GetUtcNow();
            var address = context.Connection.RemoteIpAddress?.ToString();
            var user = context.User;
            var signedIn = user.AccountId() is not null;
            // An analyst's block stops everything from there; a rule's block stops new sign-ins and anything not signed in.
            var covering = Networks.Covering(address).Select(Containment.BlockKey)
                .Concat(signedIn ? [] : Networks.Covering(address).Select(Containment.SignInBlockKey)).ToList();
            if (covering.Count > 0 && await state.FirstSetAsync(covering, now) >= 0)
            {
                await AnswerAsync(context, Containment.Blocked);
                return;
            }
            if (user.AccountId() is { } accountId)
            {
                var sessionId = user.SessionId();
                var containment = services.GetRequiredService<Containment>();
                var held = await containment.HeldAsync(accountId, sessionId);
                if (held is not null && !(held == Containment.StepUp && StepUpPaths.Any(p => context.Request.Path.StartsWithSegments(p)))
                    && !SignOutPaths.Any(p => context.Request.Path.StartsWithSegments(p)))
                {
                    if (held == Containment.StepUp && !AccountsSetup.IsApi(context.Request) && HttpMethods.IsGet(context.Request.Method))
                    {
                        context.Response.Redirect("/account/step-up?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
                        return;
                    }
                    await AnswerAsync(context, held);
                    return;
                }
                if (sessionId is { } session)
                {
                    if (await state.FirstSetAsync([Containment.ThrottleKey(session)], now) == 0
                        && await state.AddAsync($"throttled:{session:N}", 1, TimeSpan.FromMinutes(1), now)
                            > services.GetRequiredService<KaitiakiOptions>().Detection.ThrottledRequestsPerMinute)
                    {
                        await AnswerAsync(context, Containment.Throttled, retryAfter: 60);
                        return;
                    }
                    await NoticeMoveAsync(context, services.GetRequiredService<Detector>(), accountId, session, address);
                }
            }
            if (signedIn && context.GetEndpoint()?.Metadata.GetMetadata<SwitchedByAttribute>() is { } switched
                && await services.GetRequiredService<PracticeSwitches>().OffForAsync(switched.Name, null, context.RequestAborted) is { } off)
            {
                await AnswerAsync(context, new Audit.GuardRefusal("switched off", StatusCodes.Status503ServiceUnavailable, off.Title, off.Message));
                return;
            }
            await next(context);
        });

    private static Task NoticeMoveAsync(HttpContext context, Detector detector, Guid accountId, Guid sessionId, string? address)
    {
        var user = context.User;
        var madeOn = user.FindFirst(KaitiakiClaims.SessionNetwork)?.Value;
        var usedFrom = Networks.NetworkOf(address);
        var madeWith = user.FindFirst(KaitiakiClaims.SessionDevice)?.Value;
        var usedWith = UserAgentFamilies.Describe(context.Request.Headers.UserAgent.ToString());
        var networkMoved = madeOn is not null && usedFrom is not null && madeOn != usedFrom;
        var deviceChanged = madeWith is not null && madeWith != usedWith;
        return networkMoved || deviceChanged
            ? detector.NoticeMoveAsync(accountId, sessionId, madeOn, usedFrom, deviceChanged, address)
            : Task.CompletedTask;
    }

    private static Task AnswerAsync(HttpContext context, Audit.GuardRefusal refusal, int? retryAfter = null) =>
        AccessRefusals.AnswerAsync(context, refusal, retryAfter);
}
