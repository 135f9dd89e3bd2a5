using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Kaitiaki.Documents;

/// <summary>
/// The upload endpoints: the API's, the page's script (antiforgery token in a header, answers in JSON) and the page's
/// plain form without JavaScript (token as the form's first field, answered by sending the browser back to the page).
/// All three read the body the same way and make the same checks.
/// </summary>
internal static class UploadEndpoints
{
    private const int MaxFieldLength = 4096;
    private const string TokenHeader = "RequestVerificationToken";
    private const string TokenField = "__RequestVerificationToken";

    private sealed record Outcome(HealthDocument Document, UploadRight Right);

    public static async Task<IResult> ApiUploadAsync(HttpContext http, DocumentUpload upload, PatientAccess access, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await ReadAsync(http, upload, access, checkFields: null, cancellationToken);
            return Created(outcome);
        }
        catch (UploadRejectedException ex)
        {
            return Problem(ex);
        }
    }

    public static async Task<IResult> WebUploadAsync(HttpContext http, IAntiforgery antiforgery, DocumentUpload upload, PatientAccess access, CancellationToken cancellationToken)
    {
        var maxBytes = http.RequestServices.GetRequiredService<KaitiakiOptions>().Documents.MaxUploadBytes;
        if (!string.IsNullOrEmpty(http.Request.Headers[TokenHeader]))
        {
            // The page's script. Checking a header token needs no body, so the file is never buffered for it.
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                await http.RequestServices.GetRequiredService<RefusalAudit>().RecordAsync(http, AuditAction.AntiforgeryRejected, cancellationToken);
                return Problem(UploadRefusals.Refuse(UploadRefusal.PageExpired, maxBytes));
            }
            return await ApiUploadAsync(http, upload, access, cancellationToken);
        }

        // The plain form. Its token is the first field; it is checked before anything is authorised or any content read.
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var outcome = await ReadAsync(http, upload, access, async seen =>
            {
                foreach (var (name, value) in seen)
                {
                    fields[name] = value;
                }
                http.Request.Headers[TokenHeader] = seen.GetValueOrDefault(TokenField) ?? "";
                if (string.IsNullOrEmpty(http.Request.Headers[TokenHeader]) || !await antiforgery.IsRequestValidAsync(http))
                {
                    await http.RequestServices.GetRequiredService<RefusalAudit>().RecordAsync(http, AuditAction.AntiforgeryRejected, cancellationToken);
                    throw UploadRefusals.Refuse(UploadRefusal.PageExpired, maxBytes);
                }
            }, cancellationToken);
            return TypedResults.Redirect(PagePath(outcome.Right, outcome.Document.PatientId, fields) + "done=uploaded");
        }
        catch (UploadRejectedException ex) when (ex.Reason == UploadRefusal.NotFound)
        {
            return TypedResults.NotFound();
        }
        catch (UploadRejectedException ex)
        {
            var patientId = Guid.TryParse(fields.GetValueOrDefault("patientId"), out var id) ? id : (Guid?)null;
            return TypedResults.Redirect(PagePath(null, patientId, fields) + "upload=" + ex.Reason);
        }
    }

    /// <summary>Where the plain form's answer goes: its own page, built from fixed paths and an id, never from a sent address.</summary>
    private static string PagePath(UploadRight? right, Guid? patientId, Dictionary<string, string> fields)
    {
        var staff = right is { } known ? known == UploadRight.AsClinician : fields.GetValueOrDefault("page") == "staff";
        return staff && patientId is { } id
            ? $"/practice/patients/{id}/documents?"
            : patientId is { } own ? $"/patient/documents?patientId={own}&" : "/patient/documents?";
    }

    /// <summary>
    /// Reads multipart sections one by one. When the text fields come first (as the portal's pages and the mobile app
    /// send them) the file streams straight into the encrypted store after the upload is authorised; a file sent first
    /// is spooled, encrypted under a throwaway key, and re-encrypted once the fields say whose it is.
    /// </summary>
    private static async Task<Outcome> ReadAsync(
        HttpContext http, DocumentUpload upload, PatientAccess access, Func<Dictionary<string, string>, Task>? checkFields, CancellationToken cancellationToken)
    {
        var options = http.RequestServices.GetRequiredService<KaitiakiOptions>();
        var maxBytes = options.Documents.MaxUploadBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1024 * 1024;
        }
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new UploadRejectedException(UploadRefusal.Invalid, "Send the document as multipart/form-data with a part named file.",
                StatusCodes.Status415UnsupportedMediaType);
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
                // A browser sends an empty part with no file name when no file was chosen.
                var chosen = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                if (!name.Equals("file", StringComparison.OrdinalIgnoreCase) || spooled is not null || string.IsNullOrEmpty(chosen))
                {
                    continue;
                }
                if (checkFields is not null)
                {
                    await checkFields(fields);
                    checkFields = null;
                }
                if (fields.ContainsKey("title") && fields.ContainsKey("category"))
                {
                    // The usual order: fields first, so the upload is authorised before any content is read.
                    var request = ToRequest(fields, disposition, section.ContentType, http.Request.ContentLength);
                    var (patientId, right, practiceId) = await upload.AuthoriseAsync(accountId, ownPatientId, request, cancellationToken);
                    return new(await upload.UploadAsync(accountId, patientId, right, practiceId, request, section.Body, cancellationToken), right);
                }
                spooled = await upload.SpoolAsync(section.Body, cancellationToken);
                spooledPart = (disposition, section.ContentType);
            }
            if (checkFields is not null)
            {
                await checkFields(fields);
            }
            if (spooled is not null && spooledPart is { } part)
            {
                var request = ToRequest(fields, part.Disposition, part.ContentType, spooled.Size);
                var (patientId, right, practiceId) = await upload.AuthoriseAsync(accountId, ownPatientId, request, cancellationToken);
                return new(await upload.UploadSpooledAsync(accountId, patientId, right, practiceId, request, spooled, cancellationToken), right);
            }
        }
        catch (MasterKeyMissingException)
        {
            throw UploadRefusals.Refuse(UploadRefusal.KeysUnavailable, maxBytes, StatusCodes.Status503ServiceUnavailable);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The body outgrew the largest upload allowed, before the file's own length could be checked.
            throw UploadRefusals.Refuse(UploadRefusal.TooLarge, maxBytes, StatusCodes.Status413PayloadTooLarge);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or BadHttpRequestException)
        {
            throw UploadRefusals.Refuse(UploadRefusal.Incomplete, maxBytes);
        }
        finally
        {
            if (spooled is not null)
            {
                await spooled.DisposeAsync();
            }
        }
        throw new UploadRejectedException(UploadRefusal.NoFile, "The upload has no part named file.");
    }

    private static ProblemHttpResult Problem(UploadRejectedException ex) =>
        TypedResults.Problem(
            title: ex.Reason switch
            {
                UploadRefusal.NotFound => "Not found",
                UploadRefusal.PageExpired => "Please reload the page",
                UploadRefusal.Incomplete => "Upload incomplete",
                UploadRefusal.KeysUnavailable => "Documents are unavailable",
                UploadRefusal.NoFile => "No file",
                UploadRefusal.Invalid when ex.Status == StatusCodes.Status415UnsupportedMediaType => "Not an upload",
                _ => "Upload refused",
            },
            detail: ex.Message, statusCode: ex.Status);

    // A fresh upload is never hidden; its uploader may delete it exactly when they uploaded it as the patient side.
    private static Created<DocumentSummary> Created(Outcome outcome) =>
        TypedResults.Created($"/api/v1/documents/{outcome.Document.Id}", DocumentService.Summarise(outcome.Document, outcome.Document.UploadedByAccountId,
            patientSide: outcome.Right == UploadRight.AsPatient, callerPatientId: null));

    private static UploadRequest ToRequest(Dictionary<string, string> fields, ContentDispositionHeaderValue disposition, string? contentType, long? length)
    {
        Guid? patientId = null;
        if (fields.TryGetValue("patientId", out var rawPatient) && !string.IsNullOrWhiteSpace(rawPatient))
        {
            patientId = Guid.TryParse(rawPatient, out var parsed) ? parsed : throw new UploadRejectedException(UploadRefusal.Invalid, "patientId is not a valid id.");
        }
        DateOnly? dateOfService = null;
        if (fields.TryGetValue("dateOfService", out var rawDate) && !string.IsNullOrWhiteSpace(rawDate))
        {
            dateOfService = DateOnly.TryParseExact(rawDate, "yyyy-MM-dd", out var date)
                ? date
                : throw new UploadRejectedException(UploadRefusal.Invalid, "dateOfService must be a date like 2026-03-14.");
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
            throw new UploadRejectedException(UploadRefusal.Invalid, "A form field is too long.");
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }
}
