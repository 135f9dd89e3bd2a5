using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kaitiaki.Security;

internal sealed record RemediationResponse(Guid AccountId, int SessionsEnded, string Status);

internal static class RemediationEndpoints
{
    public static IEndpointRouteBuilder MapRemediationEndpoints(this IEndpointRouteBuilder routes)
    {
        // Containment is the security analysts' work (product design, section 2): the API's bearer tokens, and that role only.
        routes.MapPost("/api/v1/security/accounts/{id:guid}/remediate", RemediateAsync)
            .WithTags("Security")
            .RequireAuthorization(AccountsSetup.ApiPolicy)
            .RequireAuthorization(AccountsSetup.SecurityAnalystPolicy)
            .Audited(AuditAction.CredentialsRemediated);
        return routes;
    }

    private static async Task<Results<Ok<RemediationResponse>, ProblemHttpResult>> RemediateAsync(
        Guid id, CredentialRemediation remediation, CancellationToken cancellationToken)
    {
        var result = await remediation.RemediateAsync(id, cancellationToken);
        return result.Status switch
        {
            RemediationStatus.RemediationRequired => TypedResults.Ok(new RemediationResponse(id, result.SessionsEnded, "remediation-required")),
            RemediationStatus.AlreadyPending => TypedResults.Ok(new RemediationResponse(id, result.SessionsEnded, "already-pending")),
            _ => TypedResults.Problem(title: "Not found", detail: "There is no such account.", statusCode: StatusCodes.Status404NotFound),
        };
    }
}
