using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Kaitiaki.Accounts;

/// <summary>
/// Turns a session row into the request's principal. Both the cookie and the bearer scheme come
/// through here on every request, so a revoked or timed-out session fails at once, and roles are
/// read from today's relationships rather than from whatever was true at sign-in.
/// </summary>
internal sealed class SessionPrincipalFactory(
    SessionStore sessions, AccountDirectory directory, AccessCache<string, SessionHolder> remembered, AccessRevisions revisions,
    RememberedDecisions decisions, KaitiakiDb db)
{
    /// <param name="mayRemember">
    /// For endpoints whose audit event confirms the access revision (<see cref="ConfirmsAccessAtAuditAttribute"/>): the
    /// principal may come from memory, and then carries the revision it holds at.
    /// </param>
    public Task<ClaimsPrincipal?> ForSessionAsync(Guid sessionId, string scheme, bool mayRemember, CancellationToken cancellationToken) =>
        BuildAsync("session:" + sessionId.ToString("N"), s => s.Id == sessionId, scheme, mayRemember, cancellationToken);

    public Task<ClaimsPrincipal?> ForTokenAsync(string token, string scheme, bool mayRemember, CancellationToken cancellationToken)
    {
        var hash = Secrets.HashToken(token);
        return BuildAsync("token:" + Convert.ToBase64String(hash), s => s.TokenHash == hash, scheme, mayRemember, cancellationToken);
    }

    /// <summary>The request's principal decided again from the database; null when its session no longer holds.</summary>
    public async Task<ClaimsPrincipal?> RefreshAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.SessionId() is { } sessionId && user.Identity?.AuthenticationType is { } scheme
            ? await ForSessionAsync(sessionId, scheme, mayRemember: false, cancellationToken)
            : null;

    private async Task<ClaimsPrincipal?> BuildAsync(
        string key, Expression<Func<AccountSession, bool>> which, string scheme, bool mayRemember, CancellationToken cancellationToken)
    {
        long? revision = null;
        SessionHolder? holder = null;
        if (mayRemember && remembered.TryGet(key, out var known, out var knownRevision))
        {
            (holder, revision) = (known, knownRevision);
        }
        else
        {
            // The revision is read before the session, so a change in between makes the entry look old, never new.
            revision = mayRemember ? await revisions.ReadAsync(db, cancellationToken) : null;
            holder = await directory.FindBySessionAsync(which, cancellationToken);
        }
        // A lockout is not checked here: it pauses new sign-ins only. Ending live sessions on lockout let anyone who knew
        // an address log its owner out by typing wrong passwords.
        if (holder is null)
        {
            return null;
        }
        var liveness = await sessions.KeepAliveAsync(holder.Session, cancellationToken);
        if (liveness == SessionLiveness.Ended)
        {
            remembered.Remove(key);
            return null;
        }
        if (revision is { } current)
        {
            if (liveness == SessionLiveness.Touched)
            {
                // Its last-seen time just moved on in the database; read it afresh next time.
                remembered.Remove(key);
            }
            else
            {
                remembered.Set(key, holder, current, Earliest(sessions.ExpiresAt(holder.Session), holder.NextGrantExpiry));
            }
        }
        var claims = new List<Claim>
        {
            new(KaitiakiClaims.AccountIdType, holder.Session.AccountId.ToString()),
            new(KaitiakiClaims.SessionIdType, holder.Session.Id.ToString()),
            new(KaitiakiClaims.PrimaryRole, holder.Roles.Primary),
            new(ClaimTypes.Name, holder.DisplayName),
            new(KaitiakiClaims.SessionDevice, UserAgentFamilies.Describe(holder.Session.Device)),
        };
        if (Security.Networks.NetworkOf(holder.Session.IpAddress) is { } network)
        {
            claims.Add(new Claim(KaitiakiClaims.SessionNetwork, network));
        }
        if (revision is { } held)
        {
            // Every event this request records now confirms that access has not changed since.
            decisions.RestOn(held);
        }
        claims.AddRange(holder.Roles.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    private static DateTime Earliest(DateTime a, DateTime? b) => b is { } other && other < a ? other : a;

    /// <summary>The principal written into the cookie at sign-in: only the session id matters.</summary>
    public static ClaimsPrincipal CookiePrincipal(AccountSession session) =>
        new(new ClaimsIdentity(
            [new Claim(KaitiakiClaims.SessionIdType, session.Id.ToString()), new Claim(KaitiakiClaims.AccountIdType, session.AccountId.ToString())],
            AccountsSetup.CookieScheme));
}

internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionPrincipalFactory principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var token = header["Bearer ".Length..].Trim();
        var principal = token.Length == 0
            ? null
            : await principals.ForTokenAsync(token, Scheme.Name, ConfirmsAccessAtAuditAttribute.Applies(Context), Context.RequestAborted);
        return principal is null
            ? AuthenticateResult.Fail("The access token is not valid, has expired or was revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}

internal static class CookieSessionEvents
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principals = context.HttpContext.RequestServices.GetRequiredService<SessionPrincipalFactory>();
        var sessionId = context.Principal?.SessionId();
        var principal = sessionId is null
            ? null
            : await principals.ForSessionAsync(sessionId.Value, context.Scheme.Name, ConfirmsAccessAtAuditAttribute.Applies(context.HttpContext),
                context.HttpContext.RequestAborted);
        if (principal is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(context.Scheme.Name);
            return;
        }
        context.ReplacePrincipal(principal);
    }

    public static Task RedirectOrStatusAsync(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
