using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kaitiaki.Incidents;

internal sealed record PracticeVersionResponse(
    int Version, bool Frozen, int Patients, int AtAccess, int Now, DateTime? ReviewDueAt, bool Approved, DateTime? ApprovedAt, bool Late);

internal sealed record PracticeIncidentResponse(
    Guid IncidentId, string Title, DateTime AwareAt, bool Affected, int? ScopeVersion, IReadOnlyList<PracticeVersionResponse> Versions);

internal sealed record ApprovalLineResponse(int Version, DateTime ApprovedAt, Guid ApprovedBy, bool Late);

internal sealed record PracticeApprovalResponse(
    Guid PracticeId, string Name, bool Left, int Patients, bool Approved, bool Late, bool Overdue, int OpenFlags, IReadOnlyList<ApprovalLineResponse> Approvals);

internal sealed record ApprovalsResponse(Guid IncidentId, int? ScopeVersion, DateTime? ReviewDueAt, IReadOnlyList<PracticeApprovalResponse> Practices);

/// <summary>
/// The practices' side of a breach review that the rest of the incidents API does not cover (docs/api.md section 12):
/// "is my practice affected?" for a practice's privacy officer or administrator, and where every practice stands in
/// the review (late approvals, overdue practices, flags) for the incident manager.
/// </summary>
internal static class PracticeReviewEndpoints
{
    public static IEndpointRouteBuilder MapPracticeReviewEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/practices/{practiceId:guid}/incidents", AffectedAsync).WithTags("Incidents")
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.StaffPolicy).Audited(AuditAction.PracticeIncidentViewed);
        routes.MapGet("/api/v1/incidents/{id:guid}/approvals", ApprovalsAsync).WithTags("Incidents")
            .RequireAuthorization(AccountsSetup.ApiPolicy).RequireAuthorization(AccountsSetup.IncidentManagerPolicy).Audited(AuditAction.IncidentViewed);
        return routes;
    }

    private static async Task<Results<Ok<List<PracticeIncidentResponse>>, ProblemHttpResult>> AffectedAsync(
        Guid practiceId, HttpContext http, PracticeReview review, CancellationToken cancellationToken)
    {
        if (await review.AffectedAsync(http.User.AccountId()!.Value, practiceId, cancellationToken) is not { } incidents)
        {
            return TypedResults.Problem(title: "Not found", detail: "There is no such practice among those you review.", statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(incidents.Select(i =>
        {
            var chosen = PracticeVersionCount.Chosen(i.Versions);
            return new PracticeIncidentResponse(i.Incident.Id, i.Incident.Title, i.Incident.AwareAt, chosen is { Patients: > 0 }, chosen?.Version,
                i.Versions.Select(v => new PracticeVersionResponse(v.Version, v.Frozen, v.Patients, v.AtAccess, v.Now, v.ReviewDueAt, v.ApprovedAt is not null,
                    v.ApprovedAt, v.Late)).ToList());
        }).ToList());
    }

    private static async Task<Results<Ok<ApprovalsResponse>, ProblemHttpResult>> ApprovalsAsync(
        Guid id, PracticeReview review, AuditTrail audit, CancellationToken cancellationToken)
    {
        if (await review.ApprovalsByPracticeAsync(id, cancellationToken) is not { } approvals)
        {
            return TypedResults.Problem(title: "Not found", detail: "There is no incident with that id.", statusCode: StatusCodes.Status404NotFound);
        }
        await audit.RecordAndSaveAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: id, detail: "approvals", cancellationToken: cancellationToken);
        return TypedResults.Ok(new ApprovalsResponse(id, approvals.Version, approvals.ReviewDueAt, approvals.Practices.Select(p => new PracticeApprovalResponse(
            p.PracticeId, p.Name, p.Left, p.Patients, p.Approved, p.Late, p.Overdue, p.OpenFlags,
            p.Approvals.Select(a => new ApprovalLineResponse(a.Version, a.ApprovedAt, a.ApprovedBy, a.Late)).ToList())).ToList()));
    }
}
