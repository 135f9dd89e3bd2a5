using System.Collections.Concurrent;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace Kaitiaki.Web;

/// <summary>
/// Puts on the trail the refusals that happen before any handler runs (rate limits, antiforgery), so that probing leaves
/// a trace. The event holds the kind, the route and what the request path already says: the actor if signed in, the
/// address and user agent as every event does, never a field of the form. A flood would otherwise become a flood of
/// events, so each kind is recorded at most once a minute for each address and account; the first refusal of a burst
/// is the one the trail holds.
/// </summary>
internal sealed class RefusalAudit(TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<(AuditAction, string), DateTimeOffset> _recorded = new();

    public async Task RecordAsync(HttpContext context, AuditAction action, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var key = (action, $"{context.Connection.RemoteIpAddress}|{context.User.AccountId()}");
        if (_recorded.TryGetValue(key, out var last) && now - last < Window)
        {
            return;
        }
        _recorded[key] = now;
        if (_recorded.Count > 10_000)
        {
            foreach (var stale in _recorded.Where(e => now - e.Value >= Window).Select(e => e.Key).ToList())
            {
                _recorded.TryRemove(stale, out _);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        var audit = context.RequestServices.GetRequiredService<AuditTrail>();
        await audit.RecordStandaloneAsync(action, AuditOutcome.Denied, detail: Truncate($"{context.Request.Method} {context.Request.Path}"));
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}

/// <summary>Audits a form post the antiforgery check refused (the page never ran, so nothing else would).</summary>
internal sealed class AntiforgeryRefusalFilter : IAsyncAlwaysRunResultFilter
{
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            await context.HttpContext.RequestServices.GetRequiredService<RefusalAudit>()
                .RecordAsync(context.HttpContext, AuditAction.AntiforgeryRejected, context.HttpContext.RequestAborted);
        }
        await next();
    }
}
