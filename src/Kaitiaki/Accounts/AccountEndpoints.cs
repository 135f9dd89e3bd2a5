using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

internal sealed record LoginRequest(string? Email, string? Password);
internal sealed record LoginResponse(bool MfaRequired, Guid ChallengeId, IReadOnlyList<string> Methods);
internal sealed record MfaRequest(Guid? ChallengeId, string? Method, string? Code);
internal sealed record EmailCodeRequest(Guid? ChallengeId);
internal sealed record TokenResponse(string AccessToken, DateTime ExpiresAt);
internal sealed record MeResponse(Guid AccountId, IReadOnlyList<string> Roles, Guid? PatientId, IReadOnlyList<Guid> PracticeIds);
internal sealed record SessionResponse(Guid Id, string Kind, string Device, string? IpAddress, DateTime CreatedAt, DateTime LastSeenAt, bool Current);

internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/v1/auth").WithTags("Sign-in").RequireRateLimiting(RateLimits.SignIn);
        auth.MapPost("/login", LoginAsync).AllowAnonymous().Audited(AuditAction.SignIn);
        auth.MapPost("/mfa", MfaAsync).AllowAnonymous().Audited(AuditAction.MfaVerify);
        auth.MapPost("/mfa/email-code", SendEmailCodeAsync).AllowAnonymous().Audited(AuditAction.MfaEmailCodeSent);
        routes.MapPost("/api/v1/auth/logout", LogoutAsync).WithTags("Sign-in")
            .RequireAuthorization(AccountsSetup.ApiPolicy).Audited(AuditAction.SignOut);

        var me = routes.MapGroup("/api/v1/me").WithTags("My account").RequireAuthorization(AccountsSetup.ApiPolicy);
        me.MapGet("/", GetMeAsync).NoPatientData();
        me.MapGet("/sessions", ListSessionsAsync).NoPatientData();
        me.MapDelete("/sessions/{id:guid}", RevokeSessionAsync).Audited(AuditAction.SessionRevoked);
        return routes;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, SignInService signIn, CancellationToken cancellationToken)
    {
        var start = await signIn.BeginAsync(request.Email, request.Password, cancellationToken);
        return start.Status switch
        {
            SignInStatus.MfaRequired => TypedResults.Ok(new LoginResponse(true, start.ChallengeId!.Value, start.Methods!)),
            // A paused account answers like a wrong password: a 423 would tell anyone which addresses have accounts.
            _ => TypedResults.Problem(title: "Sign-in failed", detail: "The e-mail address or password is not right. After several wrong tries, signing in to an account pauses for 15 minutes.",
                statusCode: StatusCodes.Status401Unauthorized),
        };
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> MfaAsync(
        MfaRequest request, SignInService signIn, SessionStore sessions, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.ChallengeId is null || string.IsNullOrWhiteSpace(request.Method))
        {
            return TypedResults.Problem(title: "The request is not valid", detail: "Send challengeId, method (totp, email or recovery) and code.", statusCode: StatusCodes.Status400BadRequest);
        }
        var result = await signIn.CompleteAsync(request.ChallengeId.Value, request.Method, request.Code, SessionKind.ApiToken,
            http.Request.Headers.UserAgent.ToString(), http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        return result.Status switch
        {
            MfaStatus.Succeeded => TypedResults.Ok(new TokenResponse(result.Token!, sessions.ExpiresAt(LiveSession.From(result.Session!)))),
            MfaStatus.MethodUnavailable => TypedResults.Problem(title: "Method not available",
                detail: "That sign-in method is not set up for this account. Use one of the methods the login answer listed.", statusCode: StatusCodes.Status400BadRequest),
            // Answers that differ from a wrong code's, so given only after a right password and a right code.
            MfaStatus.AccountSuspended => TypedResults.Problem(title: SignInService.AccountPausedTitle, detail: SignInService.AccountPaused,
                statusCode: StatusCodes.Status403Forbidden),
            MfaStatus.RenewalRequired => TypedResults.Problem(title: "New sign-in details needed", detail: SignInService.RenewOnWebsite,
                statusCode: StatusCodes.Status403Forbidden),
            MfaStatus.ChallengeExpired => TypedResults.Problem(title: "Sign-in expired",
                detail: "This sign-in attempt has expired or was already used. Please sign in again.", statusCode: StatusCodes.Status401Unauthorized),
            _ => TypedResults.Problem(title: "Code not accepted",
                detail: "That code is not right, or it has already been used. Please try the newest code. After several wrong tries, signing in pauses for 15 minutes.",
                statusCode: StatusCodes.Status401Unauthorized),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SendEmailCodeAsync(
        EmailCodeRequest request, SignInService signIn, CancellationToken cancellationToken) =>
        request.ChallengeId is { } id && await signIn.SendEmailCodeAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: "No code sent",
                detail: "This sign-in attempt has expired, or e-mail codes are not set up for this account.", statusCode: StatusCodes.Status400BadRequest);

    private static async Task<NoContent> LogoutAsync(HttpContext http, SessionStore sessions, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(http.User.AccountId()!.Value, http.User.SessionId()!.Value, "signed out", cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeResponse>, NotFound>> GetMeAsync(HttpContext http, AccountDirectory directory, CancellationToken cancellationToken)
    {
        var sessionId = http.User.SessionId();
        if (await directory.FindBySessionAsync(s => s.Id == sessionId, cancellationToken) is not { } holder)
        {
            return TypedResults.NotFound();
        }
        var roles = holder.Roles;
        return TypedResults.Ok(new MeResponse(holder.Session.AccountId, roles.Roles, roles.PatientId, roles.PracticeIds));
    }

    private static async Task<Ok<List<SessionResponse>>> ListSessionsAsync(HttpContext http, SessionStore sessions, CancellationToken cancellationToken)
    {
        var current = http.User.SessionId();
        var live = await sessions.ListLiveAsync(http.User.AccountId()!.Value, cancellationToken);
        return TypedResults.Ok(live.Select(s => new SessionResponse(
            s.Id, s.Kind == SessionKind.Cookie ? "browser" : "api", s.Device, s.IpAddress, s.CreatedAt, s.LastSeenAt, s.Id == current)).ToList());
    }

    private static async Task<Results<NoContent, NotFound>> RevokeSessionAsync(
        Guid id, HttpContext http, SessionStore sessions, CancellationToken cancellationToken) =>
        await sessions.RevokeAsync(http.User.AccountId()!.Value, id, "revoked by account holder", cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
}
