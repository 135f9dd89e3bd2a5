using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal sealed record ActionResponse(
    Guid Id, string Kind, string Target, string Reason, Guid? AlertId, DateTime AppliedAt, Guid? AppliedBy, DateTime? ExpiresAt, DateTime? UndoneAt,
    Guid? UndoneBy, bool InForce);

internal sealed record AlertResponse(
    Guid Id, string Rule, string Severity, string Principal, DateTime RaisedAt, string Summary, bool Contained, IReadOnlyList<ActionResponse> Actions,
    IReadOnlyList<Guid> EvidenceEventIds);

internal sealed record SwitchResponse(string Name, string Description, bool Enabled, bool OffForEveryone, IReadOnlyList<Guid> OffForPractices);

internal sealed record ChangesResponse(long Version);

internal sealed record SwitchRequest(bool? Enabled, Guid? PracticeId);

internal sealed record CanaryRequest(Guid? PracticeId);

internal sealed record StepUpRequest(string? Method, string? Code);

internal sealed record ManualActionRequest(string? Kind, Guid? AccountId, Guid? SessionId, string? Network, int? Minutes, Guid? AlertId);

/// <summary>The security team's API: alerts, actions and undo, manual containment, kill switches and canaries. Security analysts only.</summary>
internal static class SecurityEndpoints
{
    public static IEndpointRouteBuilder MapSecurityEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/security").WithTags("Security").DisableAntiforgery()
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.SecurityAnalystPolicy);
        api.MapGet("/alerts", AlertsAsync).Audited(AuditAction.SecurityConsoleViewed);
        api.MapGet("/actions", ActionsAsync).Audited(AuditAction.SecurityConsoleViewed);
        api.MapPost("/actions", TakeAsync).Audited(AuditAction.ContainmentApplied);
        api.MapPost("/actions/{id:guid}/undo", UndoAsync).Audited(AuditAction.ContainmentUndone);
        api.MapGet("/switches", SwitchesAsync).Audited(AuditAction.SecurityConsoleViewed);
        api.MapPut("/switches/{name}", SetSwitchAsync).Audited(AuditAction.ContainmentApplied, AuditAction.ContainmentUndone);
        api.MapPost("/canaries", PlantAsync).Audited(AuditAction.CanaryPlanted, AuditAction.DocumentUploaded);

        // The console's live view asks here whether anything changed; the answer is a number, so it reads nothing to audit.
        routes.MapGet("/operator/security/changes", ChangesAsync).WithTags("Security console").ExcludeFromDescription()
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(AccountsSetup.CookieScheme).RequireAuthenticatedUser())
            .RequireAuthorization(AccountsSetup.SecurityAnalystPolicy).NoPatientData();

        // A session asked for its second factor again gives it here (the containment middleware lets this one through).
        routes.MapPost("/api/v1/auth/step-up", StepUpAsync).WithTags("Sign-in").DisableAntiforgery()
            .RequireAuthorization(AccountsSetup.ApiPolicy).Audited(AuditAction.ContainmentUndone, AuditAction.SecondFactorChecked);
        return routes;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> StepUpAsync(
        StepUpRequest? request, HttpContext http, StepUps stepUps, CancellationToken cancellationToken) =>
        await stepUps.GiveAsync(http.User.AccountId()!.Value, http.User.SessionId()!.Value, request?.Method ?? SignInService.MethodTotp, request?.Code,
            cancellationToken) switch
        {
            StepUpResult.Wrong => TypedResults.Problem(title: "That code didn't work",
                detail: "Enter the current six-digit code from your authenticator app, or one of your recovery codes with method \"recovery\".",
                statusCode: StatusCodes.Status400BadRequest),
            _ => TypedResults.NoContent(),
        };

    /// <summary>How long a long poll waits for a change before answering with the same version.</summary>
    public static readonly TimeSpan ChangesWait = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Answers as soon as alerts or actions have changed since <paramref name="since"/>, or after <see cref="ChangesWait"/>
    /// with nothing new. A version ahead of this process's (after a restart) is answered at once, so the page catches up.
    /// </summary>
    private static async Task<Ok<ChangesResponse>> ChangesAsync(long? since, AlertFeed feed, HttpContext http)
    {
        var seen = since ?? -1;
        var version = seen > feed.Version ? feed.Version : await feed.WaitAsync(seen, ChangesWait, http.RequestAborted);
        return TypedResults.Ok(new ChangesResponse(version));
    }

    private static async Task<Ok<List<AlertResponse>>> AlertsAsync(int? limit, SecurityConsole console, CancellationToken cancellationToken) =>
        TypedResults.Ok(await console.AlertsAsync(Math.Clamp(limit ?? 100, 1, 500), cancellationToken));

    private static async Task<Ok<List<ActionResponse>>> ActionsAsync(bool? inForce, SecurityConsole console, CancellationToken cancellationToken) =>
        TypedResults.Ok(await console.ActionsAsync(inForce ?? false, 500, cancellationToken));

    private static async Task<Results<Created<ActionResponse>, ProblemHttpResult>> TakeAsync(
        ManualActionRequest? request, HttpContext http, SecurityConsole console, CancellationToken cancellationToken)
    {
        var (action, problem) = await console.TakeAsync(http.User.AccountId()!.Value, request ?? new ManualActionRequest(null, null, null, null, null, null),
            cancellationToken);
        return action is null
            ? Problem(problem!)
            : TypedResults.Created($"/api/v1/security/actions/{action.Id}", action);
    }

    private static async Task<Results<Ok<ActionResponse>, ProblemHttpResult>> UndoAsync(Guid id, HttpContext http, SecurityConsole console, CancellationToken cancellationToken)
    {
        var (action, problem) = await console.UndoAsync(http.User.AccountId()!.Value, id, cancellationToken);
        return action is null ? Problem(problem!) : TypedResults.Ok(action);
    }

    private static async Task<Ok<List<SwitchResponse>>> SwitchesAsync(SecurityConsole console, CancellationToken cancellationToken) =>
        TypedResults.Ok(await console.SwitchesAsync(cancellationToken));

    private static async Task<Results<Ok<SwitchResponse>, ProblemHttpResult>> SetSwitchAsync(
        string name, SwitchRequest? request, HttpContext http, SecurityConsole console, CancellationToken cancellationToken)
    {
        if (request?.Enabled is not { } enabled)
        {
            return Problem(new ConsoleProblem(StatusCodes.Status400BadRequest, "Say whether the switch is on",
                "Send {\"enabled\": false} to switch it off or {\"enabled\": true} to switch it back on, with \"practiceId\" for one practice."));
        }
        var (state, problem) = await console.SetSwitchAsync(http.User.AccountId()!.Value, name, enabled, request.PracticeId, cancellationToken);
        return state is null ? Problem(problem!) : TypedResults.Ok(state);
    }

    private static async Task<Results<Created<PlantedCanary>, ProblemHttpResult>> PlantAsync(
        CanaryRequest? request, HttpContext http, Canaries canaries, CancellationToken cancellationToken)
    {
        if (request?.PracticeId is not { } practiceId)
        {
            return Problem(new ConsoleProblem(StatusCodes.Status400BadRequest, "Practice needed", "Say which practice to plant the decoy at (practiceId)."));
        }
        var planted = await canaries.PlantAsync(http.User.AccountId()!.Value, practiceId, cancellationToken);
        return planted is null
            ? Problem(new ConsoleProblem(StatusCodes.Status404NotFound, "No such practice", "There is no practice with that id using the portal now."))
            : TypedResults.Created($"/api/v1/security/canaries/{planted.PatientId}", planted);
    }

    private static ProblemHttpResult Problem(ConsoleProblem problem) =>
        TypedResults.Problem(title: problem.Title, detail: problem.Detail, statusCode: problem.Status);
}
