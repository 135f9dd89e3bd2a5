using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Kaitiaki.Practices;

namespace Kaitiaki.Audit;

internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/me/access-log", GetAccessLogAsync)
            .WithTags("My account")
            .RequireAuthorization(AccountsSetup.ApiPolicy)
            .Audited(AuditAction.AccessLogViewed);
        return routes;
    }

    /// <summary>The caller's own slice of the trail; an account without a patient record has an empty one.</summary>
    private static async Task<Ok<List<AccessLogEntry>>> GetAccessLogAsync(
        HttpContext http, PatientAccess access, AccessLog log, AuditTrail audit, int? page, CancellationToken cancellationToken)
    {
        var accountId = http.User.AccountId()!.Value;
        var patientId = await access.OwnPatientIdAsync(accountId, cancellationToken);
        if (patientId is null)
        {
            return TypedResults.Ok(new List<AccessLogEntry>());
        }
        var entries = await log.ForPatientAsync(patientId.Value, accountId, page ?? 0, cancellationToken);
        await audit.RecordAndSaveAsync(AuditAction.AccessLogViewed, patientId: patientId, cancellationToken: cancellationToken);
        return TypedResults.Ok(entries);
    }
}
