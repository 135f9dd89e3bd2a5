using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Kaitiaki.Accounts;

/// <summary>
/// Turns a session row into the request's principal. Both the cookie and the bearer scheme come
/// through here on every request, so a revoked or timed-out session fails at once, and roles are
/// read from today's relationships rather than from whatever was true at sign-in.
/// </summary>
public sealed class SessionPrincipalFactory(SessionStore sessions, AccountDirectory directory)
{
    public Task<ClaimsPrincipal?> ForSessionAsync(Guid sessionId, string scheme, CancellationToken cancellationToken) =>
        BuildAsync(s => s.Id == sessionId, scheme, cancellationToken);

    public Task<ClaimsPrincipal?> ForTokenAsync(string token, string scheme, CancellationToken cancellationToken)
    {
        var hash = Secrets.HashToken(token);
        return BuildAsync(s => s.TokenHash == hash, scheme, cancellationToken);
    }

    private async Task<ClaimsPrincipal?> BuildAsync(Expression<Func<AccountSession, bool>> which, string scheme, CancellationToken cancellationToken)
    {
        var holder = await directory.FindBySessionAsync(which, cancellationToken);
        if (holder is null || (holder.LockoutEnd is { } end && end > DateTimeOffset.UtcNow) || !await sessions.KeepAliveAsync(holder.Session, cancellationToken))
        {
            return null;
        }
        var claims = new List<Claim>
        {
            new(KaitiakiClaims.AccountIdType, holder.Session.AccountId.ToString()),
            new(KaitiakiClaims.SessionIdType, holder.Session.Id.ToString()),
            new(KaitiakiClaims.PrimaryRole, holder.Roles.Primary),
            new(ClaimTypes.Name, holder.DisplayName),
        };
        claims.AddRange(holder.Roles.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The principal written into the cookie at sign-in: only the session id matters.</summary>
    public static ClaimsPrincipal CookiePrincipal(AccountSession session) =>
        new(new ClaimsIdentity(
            [new Claim(KaitiakiClaims.SessionIdType, session.Id.ToString()), new Claim(KaitiakiClaims.AccountIdType, session.AccountId.ToString())],
            AccountsSetup.CookieScheme));
}

public sealed class BearerTokenHandler(
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
        var principal = token.Length == 0 ? null : await principals.ForTokenAsync(token, Scheme.Name, Context.RequestAborted);
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
        var principal = sessionId is null ? null : await principals.ForSessionAsync(sessionId.Value, context.Scheme.Name, context.HttpContext.RequestAborted);
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
