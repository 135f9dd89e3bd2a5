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

namespace Kaitiaki.Documents;

internal static class DocumentEndpoints
{
    private const int MaxFieldLength = 4096;

    public static IEndpointRouteBuilder MapDocumentEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1/documents").WithTags("Documents").RequireAuthorization(AccountsSetup.ApiPolicy).DisableAntiforgery();
        api.MapGet("/", ListAsync).Audited(AuditAction.DocumentListed, AuditAction.DocumentAccessDenied);
        api.MapPost("/", UploadAsync).Audited(AuditAction.DocumentUploaded, AuditAction.DocumentUploadRejected);
        api.MapGet("/{id:guid}", GetAsync).Audited(AuditAction.DocumentMetadataViewed, AuditAction.DocumentAccessDenied);
        api.MapGet("/{id:guid}/content", ContentAsync).Audited(AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed, AuditAction.DocumentAccessDenied)
            .ConfirmsAccessAtAudit();
        api.MapDelete("/{id:guid}", DeleteAsync).Audited(AuditAction.DocumentDeleted, AuditAction.DocumentAccessDenied);
        api.MapPost("/{id:guid}/hide", (Guid id, HttpContext http, DocumentService documents, CancellationToken ct) => SetHiddenAsync(id, true, http, documents, ct))
            .Audited(AuditAction.DocumentHidden, AuditAction.DocumentAccessDenied);
        api.MapPost("/{id:guid}/unhide", (Guid id, HttpContext http, DocumentService documents, CancellationToken ct) => SetHiddenAsync(id, false, http, documents, ct))
            .Audited(AuditAction.DocumentUnhidden, AuditAction.DocumentAccessDenied);

        // The same reads and uploads for the portal's own pages, on the signed-in browser session.
        var web = routes.MapGroup("/documents").RequireAuthorization(policy => policy.AddAuthenticationSchemes(AccountsSetup.CookieScheme).RequireAuthenticatedUser());
        web.MapGet("/{id:guid}/content", ContentAsync).Audited(AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed, AuditAction.DocumentAccessDenied)
            .ConfirmsAccessAtAudit();
        web.MapPost("/upload", WebUploadAsync).DisableAntiforgery().Audited(AuditAction.DocumentUploaded, AuditAction.DocumentUploadRejected, AuditAction.AntiforgeryRejected);
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

    private static async Task<IResult> WebUploadAsync(HttpContext http, IAntiforgery antiforgery, DocumentUpload upload, PatientAccess access, CancellationToken cancellationToken)
    {
        // The page sends the token in a header; without it, checking would read (and buffer) the whole body.
        if (string.IsNullOrEmpty(http.Request.Headers["RequestVerificationToken"]) || !await antiforgery.IsRequestValidAsync(http))
        {
            await http.RequestServices.GetRequiredService<RefusalAudit>().RecordAsync(http, AuditAction.AntiforgeryRejected, cancellationToken);
            return TypedResults.Problem(title: "Please reload the page", detail: "The page's security token has expired. Reload the page and try again.",
                statusCode: StatusCodes.Status400BadRequest);
        }
        return await UploadAsync(http, upload, access, cancellationToken);
    }

    /// <summary>
    /// Reads multipart sections one by one. When the text fields come first (as the portal's pages and the mobile app
    /// send them) the file streams straight into the encrypted store after the upload is authorised; a file sent first
    /// is spooled, encrypted under a throwaway key, and re-encrypted once the fields say whose it is.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext http, DocumentUpload upload, PatientAccess access, CancellationToken cancellationToken)
    {
        var options = http.RequestServices.GetRequiredService<KaitiakiOptions>();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.Documents.MaxUploadBytes + 1024 * 1024;
        }
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return TypedResults.Problem(title: "Not an upload", detail: "Send the document as multipart/form-data with a part named file.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var accountId = http.User.AccountId()!.Value;
        var ownPatientId = await access.OwnPatientIdAsync(accountId, cancellationToken);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var reader = new MultipartReader(boundary, http.Request.Body);
        SpooledFile? spooled = null;
        (ContentDispositionHeaderValue Disposition, string? ContentType)? spooledPart = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (!disposition.IsFileDisposition())
                {
                    fields[name] = await ReadFieldAsync(section.Body, cancellationToken);
                    continue;
                }
                if (!name.Equals("file", StringComparison.OrdinalIgnoreCase) || spooled is not null)
                {
                    continue;
                }
                if (fields.ContainsKey("title") && fields.ContainsKey("category"))
                {
                    // The usual order: fields first, so the upload is authorised before any content is read.
                    var request = ToRequest(fields, disposition, section.ContentType, http.Request.ContentLength);
                    var (patientId, right, practiceId) = await upload.AuthoriseAsync(accountId, ownPatientId, request, cancellationToken);
                    var document = await upload.UploadAsync(accountId, patientId, right, practiceId, request, section.Body, cancellationToken);
                    return Created(document, right);
                }
                spooled = await upload.SpoolAsync(section.Body, cancellationToken);
                spooledPart = (disposition, section.ContentType);
            }
            if (spooled is not null && spooledPart is { } part)
            {
                var request = ToRequest(fields, part.Disposition, part.ContentType, spooled.Size);
                var (patientId, right, practiceId) = await upload.AuthoriseAsync(accountId, ownPatientId, request, cancellationToken);
                var document = await upload.UploadSpooledAsync(accountId, patientId, right, practiceId, request, spooled, cancellationToken);
                return Created(document, right);
            }
        }
        catch (UploadRejectedException ex)
        {
            return TypedResults.Problem(title: ex.Status == StatusCodes.Status404NotFound ? "Not found" : "Upload refused", detail: ex.Message, statusCode: ex.Status);
        }
        catch (MasterKeyMissingException)
        {
            return TypedResults.Problem(title: "Documents are unavailable",
                detail: "Documents can't be added right now because the encryption key isn't available. Nothing was saved; please try again later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or BadHttpRequestException)
        {
            return TypedResults.Problem(title: "Upload incomplete", detail: "The upload was cut off or malformed, so nothing was saved. Please try again.",
                statusCode: StatusCodes.Status400BadRequest);
        }
        finally
        {
            if (spooled is not null)
            {
                await spooled.DisposeAsync();
            }
        }
        return TypedResults.Problem(title: "No file", detail: "The upload has no part named file.", statusCode: StatusCodes.Status400BadRequest);
    }

    // A fresh upload is never hidden; its uploader may delete it exactly when they uploaded it as the patient side.
    private static Created<DocumentSummary> Created(HealthDocument document, UploadRight right) =>
        TypedResults.Created($"/api/v1/documents/{document.Id}", DocumentService.Summarise(document, document.UploadedByAccountId,
            patientSide: right == UploadRight.AsPatient, callerPatientId: null));

    private static UploadRequest ToRequest(Dictionary<string, string> fields, ContentDispositionHeaderValue disposition, string? contentType, long? length)
    {
        Guid? patientId = null;
        if (fields.TryGetValue("patientId", out var rawPatient) && !string.IsNullOrWhiteSpace(rawPatient))
        {
            patientId = Guid.TryParse(rawPatient, out var parsed) ? parsed : throw new UploadRejectedException("patientId is not a valid id.");
        }
        DateOnly? dateOfService = null;
        if (fields.TryGetValue("dateOfService", out var rawDate) && !string.IsNullOrWhiteSpace(rawDate))
        {
            dateOfService = DateOnly.TryParseExact(rawDate, "yyyy-MM-dd", out var date)
                ? date
                : throw new UploadRejectedException("dateOfService must be a date like 2026-03-14.");
        }
        var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
        return new UploadRequest(patientId, fields.GetValueOrDefault("title"), fields.GetValueOrDefault("category")?.Trim().ToLowerInvariant(),
            fields.GetValueOrDefault("author"), dateOfService, fileName, contentType, length, fields.GetValueOrDefault("source")?.Trim().ToLowerInvariant());
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldLength + 1];
        var read = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read > MaxFieldLength)
        {
            throw new UploadRejectedException("A form field is too long.");
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}
