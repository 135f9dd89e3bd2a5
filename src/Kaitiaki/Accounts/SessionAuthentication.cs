using System.Security.Claims;
using System.Text.Encodings.Web;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kaitiaki.Accounts;

/// <summary>
/// Turns a session row into the request's principal. Both the cookie and the bearer scheme come
/// through here on every request, so a revoked or timed-out session fails at once, and roles are
/// read from today's relationships rather than from whatever was true at sign-in.
/// </summary>
public sealed class SessionPrincipalFactory(SessionStore sessions, KaitiakiDb db, AccountDirectory directory)
{
    public async Task<ClaimsPrincipal?> ForSessionAsync(Guid sessionId, string scheme, CancellationToken cancellationToken) =>
        await BuildAsync(await sessions.ValidateAsync(sessionId, cancellationToken), scheme, cancellationToken);

    public async Task<ClaimsPrincipal?> ForTokenAsync(string token, string scheme, CancellationToken cancellationToken) =>
        await BuildAsync(await sessions.ValidateTokenAsync(token, cancellationToken), scheme, cancellationToken);

    public async Task<ClaimsPrincipal?> BuildAsync(AccountSession? session, string scheme, CancellationToken cancellationToken)
    {
        if (session is null)
        {
            return null;
        }
        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(a => a.Id == session.AccountId, cancellationToken);
        if (account is null || (account.LockoutEnd is { } end && end > DateTimeOffset.UtcNow))
        {
            return null;
        }
        var roles = await directory.GetRolesAsync(account, cancellationToken);
        var claims = new List<Claim>
        {
            new(KaitiakiClaims.AccountIdType, account.Id.ToString()),
            new(KaitiakiClaims.SessionIdType, session.Id.ToString()),
            new(KaitiakiClaims.PrimaryRole, roles.Primary),
            new(ClaimTypes.Name, account.DisplayName),
        };
        claims.AddRange(roles.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
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
