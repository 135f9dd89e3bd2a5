using System.Security.Cryptography;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents.Encryption;
using Kaitiaki.Storage;
using Microsoft.Net.Http.Headers;

namespace Kaitiaki.Documents;

/// <summary>
/// Sends a document's content: authorised and audited first, then decrypted segment by segment. A range
/// request opens only the segments it touches. A failed integrity check before the first byte answers 500;
/// after it, the connection is cut, so nothing unverified ever reaches the client.
/// </summary>
internal sealed class DocumentContent(
    DocumentService documents, SessionPrincipalFactory principals, DataKeys keys, AccessRevisions revisions, RememberedDecisions decisions,
    IDocumentStore store, ILogger<DocumentContent> logger)
{
    /// <summary>
    /// Answers from remembered access decisions when the request's principal was remembered too. If access changed
    /// since, the audit write says so before anything is sent, and the request is decided again from the database.
    /// </summary>
    public async Task<IResult> SendAsync(HttpContext http, Guid documentId, bool preview, CancellationToken cancellationToken)
    {
        try
        {
            return await SendOnceAsync(http, documentId, preview, cancellationToken);
        }
        catch (StaleAccessException)
        {
            if (await principals.RefreshAsync(http.User, cancellationToken) is not { } fresh)
            {
                // The session ended meanwhile: answer as the sign-in check would have.
                return Results.Challenge(authenticationSchemes: [http.User.Identity!.AuthenticationType!]);
            }
            http.User = fresh;
            decisions.Forget();
            return await SendOnceAsync(http, documentId, preview, cancellationToken);
        }
    }

    private async Task<IResult> SendOnceAsync(HttpContext http, Guid documentId, bool preview, CancellationToken cancellationToken)
    {
        var knownBefore = revisions.Known;
        var document = await documents.FindForContentAsync(http.User.AccountId()!.Value, documentId, cancellationToken);
        if (document is not { WrappedKey: not null })
        {
            return NotFoundProblem();
        }
        preview = preview && ContentTypes.CanPreview(document.ContentType);

        long from = 0, to = document.SizeBytes - 1;
        var ranged = false;
        var rangeHeader = http.Request.Headers.Range.ToString();
        if (!string.IsNullOrEmpty(rangeHeader))
        {
            if (!TryParseRange(rangeHeader, document.SizeBytes, out from, out to))
            {
                ConfirmBeforeAnswering();
                http.Response.Headers.ContentRange = $"bytes */{document.SizeBytes}";
                return TypedResults.Problem(title: "Range not satisfiable", detail: $"The document is {document.SizeBytes} bytes long.",
                    statusCode: StatusCodes.Status416RangeNotSatisfiable);
            }
            ranged = true;
        }
        var length = document.SizeBytes == 0 ? 0 : to - from + 1;

        byte[] dataKey;
        try
        {
            dataKey = keys.UnwrapForReading(document, decisions.Oldest ?? knownBefore);
        }
        catch (MasterKeyMissingException ex)
        {
            ConfirmBeforeAnswering();
            logger.LogError("A document could not be opened: master key {KeyId} is not available.", ex.KeyId);
            return TypedResults.Problem(title: "Documents are unavailable",
                detail: "Documents can't be opened right now because the encryption key isn't available. Please try again later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (CryptographicException)
        {
            ConfirmBeforeAnswering();
            logger.LogError("A document's data key failed to unwrap: the stored key was altered or belongs to another document.");
            return IntegrityProblem();
        }

        try
        {
            Stream blob;
            try
            {
                blob = await store.OpenReadAsync(document.BlobName, cancellationToken);
            }
            catch (BlobMissingException)
            {
                ConfirmBeforeAnswering();
                logger.LogError("A document's encrypted content is missing from the document store.");
                return IntegrityProblem();
            }
            await using (blob)
            {
                // Recorded before any content leaves; a guard's refusal answers as a missing document does.
                try
                {
                    await documents.RecordReadAsync(document, preview, length);
                }
                catch (AccessRefusedException ex) when (ex.Refusal.LooksMissing)
                {
                    return NotFoundProblem();
                }
                var response = http.Response;
                response.StatusCode = ranged ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
                response.ContentType = document.ContentType;
                response.ContentLength = length;
                response.Headers.AcceptRanges = "bytes";
                response.Headers.ETag = $"\"{Convert.ToHexString(document.Sha256.Span).ToLowerInvariant()}\"";
                response.Headers.ContentSecurityPolicy = "sandbox";
                if (ranged)
                {
                    response.Headers.ContentRange = $"bytes {from}-{to}/{document.SizeBytes}";
                }
                var disposition = new ContentDispositionHeaderValue(preview ? "inline" : "attachment");
                disposition.SetHttpFileName(document.FileName);
                response.Headers.ContentDisposition = disposition.ToString();
                try
                {
                    await DocumentCipher.DecryptAsync(blob, response.BodyWriter, dataKey, document.Id, document.PatientId, document.SizeBytes, from, to, cancellationToken);
                }
                catch (DocumentIntegrityException ex)
                {
                    logger.LogError("A document failed its integrity check while being sent: {Reason}", ex.Message);
                    if (response.HasStarted)
                    {
                        http.Abort();
                        return Results.Empty;
                    }
                    response.Clear();
                    return IntegrityProblem();
                }
            }
            return Results.Empty;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// An answer other than the content has no audit event to confirm the remembered decisions it rests on (a 416 tells
    /// the document's size; a missing blob may mean it was shredded elsewhere), so it is given only after deciding
    /// again from the database.
    /// </summary>
    private void ConfirmBeforeAnswering()
    {
        if (decisions.Oldest is not null)
        {
            throw new StaleAccessException();
        }
    }

    /// <summary>A missing document, and one the caller may not read: the same answer.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFoundProblem() =>
        TypedResults.Problem(title: "Not found", detail: "There is no such document.", statusCode: StatusCodes.Status404NotFound);

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult IntegrityProblem() =>
        TypedResults.Problem(title: "This document can't be opened",
            detail: "The stored copy of this document failed its integrity check, so none of it was sent. This has been logged for the security team.",
            statusCode: StatusCodes.Status500InternalServerError);

    /// <summary>One range of the form bytes=a-b, a- or -n.</summary>
    internal static bool TryParseRange(string header, long size, out long from, out long to)
    {
        from = 0;
        to = size - 1;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal) || size == 0)
        {
            return false;
        }
        var spec = header["bytes=".Length..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }
        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            if (!long.TryParse(last, out var suffix) || suffix <= 0)
            {
                return false;
            }
            from = Math.Max(0, size - suffix);
            return true;
        }
        if (!long.TryParse(first, out from) || from >= size || from < 0)
        {
            return false;
        }
        if (last.Length > 0)
        {
            if (!long.TryParse(last, out to) || to < from)
            {
                return false;
            }
            to = Math.Min(to, size - 1);
        }
        return true;
    }
}
