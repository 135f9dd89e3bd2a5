using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Kaitiaki.Practices;
using Kaitiaki.Security;

namespace Kaitiaki.Documents;

internal static class DocumentEndpoints
{
    public static IEndpointRouteBuilder MapDocumentEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/documents").WithTags("Documents").RequireAuthorization(AccountsSetup.ApiPolicy).DisableAntiforgery();
        api.MapGet("/", ListAsync).Audited(AuditAction.DocumentListed, AuditAction.DocumentAccessDenied).SwitchedBy("documents.list");
        api.MapPost("/", UploadEndpoints.ApiUploadAsync).Audited(AuditAction.DocumentUploaded, AuditAction.DocumentUploadRejected).SwitchedBy("documents.upload");
        api.MapGet("/{id:guid}", GetAsync).Audited(AuditAction.DocumentMetadataViewed, AuditAction.DocumentAccessDenied).SwitchedBy("documents.list");
        api.MapGet("/{id:guid}/content", ContentAsync).Audited(AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed, AuditAction.DocumentAccessDenied)
            .ConfirmsAccessAtAudit().SwitchedBy("documents.download");
        api.MapDelete("/{id:guid}", DeleteAsync).Audited(AuditAction.DocumentDeleted, AuditAction.DocumentAccessDenied);
        api.MapPost("/{id:guid}/hide", (Guid id, HttpContext http, DocumentService documents, CancellationToken ct) => SetHiddenAsync(id, true, http, documents, ct))
            .Audited(AuditAction.DocumentHidden, AuditAction.DocumentAccessDenied);
        api.MapPost("/{id:guid}/unhide", (Guid id, HttpContext http, DocumentService documents, CancellationToken ct) => SetHiddenAsync(id, false, http, documents, ct))
            .Audited(AuditAction.DocumentUnhidden, AuditAction.DocumentAccessDenied);

        // The same reads and uploads for the portal's own pages, on the signed-in browser session.
        var web = routes.MapGroup("/documents").RequireAuthorization(policy => policy.AddAuthenticationSchemes(AccountsSetup.CookieScheme).RequireAuthenticatedUser());
        web.MapGet("/{id:guid}/content", ContentAsync).Audited(AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed, AuditAction.DocumentAccessDenied)
            .ConfirmsAccessAtAudit().SwitchedBy("documents.download");
        web.MapPost("/upload", UploadEndpoints.WebUploadAsync).DisableAntiforgery()
            .Audited(AuditAction.DocumentUploaded, AuditAction.DocumentUploadRejected, AuditAction.AntiforgeryRejected);
        return routes;
    }

    private static async Task<Results<Ok<List<DocumentSummary>>, ProblemHttpResult>> ListAsync(
        Guid? patientId, bool? includeHidden, HttpContext http, PatientAccess access, DocumentService documents, CancellationToken cancellationToken)
    {
        var accountId = http.User.AccountId()!.Value;
        patientId ??= await access.OwnPatientIdAsync(accountId, cancellationToken);
        if (patientId is null)
        {
            return TypedResults.Problem(title: "Patient needed", detail: "Say whose documents to list with ?patientId=.", statusCode: StatusCodes.Status400BadRequest);
        }
        var list = await documents.ListAsync(accountId, patientId.Value, includeHidden ?? false, cancellationToken);
        return list is null
            ? TypedResults.Problem(title: "Not found", detail: "There is no such patient.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<DocumentSummary>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, DocumentService documents, CancellationToken cancellationToken) =>
        await documents.GetAsync(http.User.AccountId()!.Value, id, cancellationToken) is { } summary ? TypedResults.Ok(summary) : DocumentContent.NotFoundProblem();

    private static Task<IResult> ContentAsync(Guid id, string? disposition, HttpContext http, DocumentContent content, CancellationToken cancellationToken) =>
        content.SendAsync(http, id, string.Equals(disposition, "inline", StringComparison.OrdinalIgnoreCase), cancellationToken);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, HttpContext http, DocumentService documents, CancellationToken cancellationToken) =>
        await documents.DeleteAsync(http.User.AccountId()!.Value, id, cancellationToken) switch
        {
            ChangeOutcome.Done => TypedResults.NoContent(),
            ChangeOutcome.NotAllowed => TypedResults.Problem(title: "Can't delete this document",
                detail: "A document can be deleted only by the patient it belongs to, or by the person who added it for them. Practice and hospital documents can be hidden instead.",
                statusCode: StatusCodes.Status403Forbidden),
            _ => DocumentContent.NotFoundProblem(),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> SetHiddenAsync(Guid id, bool hidden, HttpContext http, DocumentService documents, CancellationToken cancellationToken) =>
        await documents.SetHiddenAsync(http.User.AccountId()!.Value, id, hidden, cancellationToken) switch
        {
            ChangeOutcome.Done => TypedResults.NoContent(),
            ChangeOutcome.NotAllowed => TypedResults.Problem(title: "Can't hide this document",
                detail: "Only the patient (or someone acting for them) can hide documents from their list.", statusCode: StatusCodes.Status403Forbidden),
            _ => DocumentContent.NotFoundProblem(),
        };
}
