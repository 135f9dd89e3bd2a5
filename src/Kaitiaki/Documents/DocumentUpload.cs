using Kaitiaki.Audit;
using Kaitiaki.Documents.Encryption;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents;

internal sealed record UploadRequest(
    Guid? PatientId, string? Title, string? Category, string? Author, DateOnly? DateOfService, string? FileName, string? ContentType, long? DeclaredLength,
    string? Source = null);

/// <summary>One document of a batch the portal adds itself: who adds it for whom, in which capacity, and its content.</summary>
internal sealed record BatchUpload(Guid AccountId, Guid PatientId, UploadRight Right, Guid? PracticeId, UploadRequest Request, byte[] Content);

/// <summary>
/// Adds documents. The body is checked, hashed and encrypted as it streams into a staging blob; only a
/// complete, valid upload is renamed into place and recorded, so a refused or broken upload leaves nothing.
/// </summary>
internal sealed class DocumentUpload(
    KaitiakiDb db, DocumentAccessPolicy policy, IDocumentStore store, MasterKeys keys, AuditTrail audit, Security.PracticeSwitches switches,
    KaitiakiOptions options, TimeProvider clock)
{
    /// <summary>Works out the patient, the capacity and the category before any content is read.</summary>
    public async Task<(Guid PatientId, UploadRight Right, Guid? PracticeId)> AuthoriseAsync(
        Guid accountId, Guid? ownPatientId, UploadRequest request, CancellationToken cancellationToken)
    {
        var patientId = request.PatientId ?? ownPatientId;
        if (patientId is null)
        {
            throw Refuse(UploadRefusal.NoPatient);
        }
        var (right, practiceId) = await policy.UploadRightAsync(accountId, patientId.Value, cancellationToken);
        if (right == UploadRight.None)
        {
            await audit.RecordAndSaveAsync(AuditAction.DocumentUploadRejected, AuditOutcome.Denied, resourceType: "Patient",
                resourceId: patientId, detail: "no upload right", cancellationToken: cancellationToken);
            // Indistinguishable from a patient who does not exist.
            throw Refuse(UploadRefusal.NotFound, StatusCodes.Status404NotFound);
        }
        if (await switches.StoppingUploadAsync(patientId.Value, cancellationToken) is not null)
        {
            await audit.RecordAndSaveAsync(AuditAction.DocumentUploadRejected, AuditOutcome.Denied, resourceType: "Patient",
                resourceId: patientId, detail: "switched off", cancellationToken: cancellationToken);
            throw Refuse(UploadRefusal.Paused, StatusCodes.Status503ServiceUnavailable);
        }
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Trim().Length > 200)
        {
            throw Refuse(UploadRefusal.NoTitle);
        }
        // Refused rather than cleaned: the person typed these and can correct them, and a quietly changed title is a surprise.
        if (PlainText.Find(request.Title) is var titleProblem and not HiddenCharacter.None)
        {
            throw UploadRefusals.HiddenCharacterIn(UploadRefusal.TitleHiddenCharacter, titleProblem);
        }
        if (PlainText.Find(request.Author) is var authorProblem and not HiddenCharacter.None)
        {
            throw UploadRefusals.HiddenCharacterIn(UploadRefusal.AuthorHiddenCharacter, authorProblem);
        }
        var categories = right == UploadRight.AsPatient ? DocumentCategories.Patient : DocumentCategories.Practice;
        if (request.Category is null || !categories.Contains(request.Category))
        {
            throw new UploadRejectedException(UploadRefusal.NoCategory, $"Choose a category: {string.Join(", ", categories.Order())}.");
        }
        if (request.Source is { } source && !(right == UploadRight.AsClinician ? source is "practice" or "hospital" : source == "patient"))
        {
            throw new UploadRejectedException(UploadRefusal.WrongSource, right == UploadRight.AsClinician
                ? "The source of a practice upload is practice or hospital."
                : "Documents patients add have the source patient.");
        }
        if (request.DeclaredLength > options.Documents.MaxUploadBytes)
        {
            throw TooLarge();
        }
        return (patientId.Value, right, practiceId);
    }

    public async Task<HealthDocument> UploadAsync(
        Guid accountId, Guid patientId, UploadRight right, Guid? practiceId, UploadRequest request, Stream content, CancellationToken cancellationToken)
    {
        var contentType = ContentTypes.Normalise(request.ContentType)
            ?? throw Refuse(UploadRefusal.WrongType, StatusCodes.Status415UnsupportedMediaType);
        // Deleted documents await destruction and no longer count against the patient.
        var used = await db.Documents.Where(d => d.PatientId == patientId && d.ShreddedAt == null && d.DeletedAt == null)
            .SumAsync(d => (long?)d.SizeBytes, cancellationToken) ?? 0;
        var quotaLeft = options.Documents.PatientQuotaBytes - used;
        if ((request.DeclaredLength ?? 0) > quotaLeft)
        {
            throw QuotaFull();
        }

        var head = new byte[ContentTypes.SniffLength];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        if (headLength == 0)
        {
            throw Refuse(UploadRefusal.Empty);
        }
        if (!ContentTypes.LeadingBytesMatch(contentType, head.AsSpan(0, headLength)))
        {
            await audit.RecordAndSaveAsync(AuditAction.DocumentUploadRejected, AuditOutcome.Failure, patientId: patientId,
                detail: "content does not match its declared type", cancellationToken: cancellationToken);
            throw Refuse(UploadRefusal.ContentMismatch, StatusCodes.Status415UnsupportedMediaType);
        }

        var document = NewDocument(accountId, patientId, right, practiceId, request, contentType);
        var limit = Math.Min(options.Documents.MaxUploadBytes, quotaLeft);
        try
        {
            await SealAsync(document, new PrefixedStream(head.AsMemory(0, headLength), content), limit, await MayCreateFirstKeyAsync(cancellationToken),
                cancellationToken);
        }
        catch (DocumentTooLargeException)
        {
            throw limit < options.Documents.MaxUploadBytes ? QuotaFull() : TooLarge();
        }

        try
        {
            Add(document);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            // No row, no blob: a failed save must not leave an orphan behind.
            await store.DeleteAsync(document.BlobName, CancellationToken.None);
            throw;
        }
        return document;
    }

    /// <summary>
    /// Adds many documents the portal makes itself (the demo world's), with the checks and the encryption of
    /// <see cref="UploadAsync"/>: type and leading bytes, size, each patient's quota, and a data key of its own for every
    /// document. Everything is checked before anything is written. The blobs are written several at a time, since each
    /// waits for the disk; then every row and its <c>DocumentUploaded</c> event are saved in one unit of work. If anything
    /// fails, nothing is saved and every blob written is removed. A person's upload goes through <see cref="UploadAsync"/>.
    /// </summary>
    public async Task<List<HealthDocument>> UploadBatchAsync(IReadOnlyList<BatchUpload> uploads, CancellationToken cancellationToken)
    {
        var patientIds = uploads.Select(u => u.PatientId).Distinct().ToList();
        var used = await db.Documents.Where(d => patientIds.Contains(d.PatientId) && d.ShreddedAt == null && d.DeletedAt == null)
            .GroupBy(d => d.PatientId).Select(g => new { PatientId = g.Key, Bytes = g.Sum(d => d.SizeBytes) })
            .ToDictionaryAsync(x => x.PatientId, x => x.Bytes, cancellationToken);
        var documents = new List<HealthDocument>(uploads.Count);
        foreach (var upload in uploads)
        {
            var contentType = ContentTypes.Normalise(upload.Request.ContentType)
                ?? throw Refuse(UploadRefusal.WrongType, StatusCodes.Status415UnsupportedMediaType);
            if (upload.Content.Length == 0)
            {
                throw Refuse(UploadRefusal.Empty);
            }
            if (!ContentTypes.LeadingBytesMatch(contentType, upload.Content.AsSpan(0, Math.Min(upload.Content.Length, ContentTypes.SniffLength))))
            {
                throw Refuse(UploadRefusal.ContentMismatch, StatusCodes.Status415UnsupportedMediaType);
            }
            if (upload.Content.Length > options.Documents.MaxUploadBytes)
            {
                throw TooLarge();
            }
            used[upload.PatientId] = used.GetValueOrDefault(upload.PatientId) + upload.Content.Length;
            if (used[upload.PatientId] > options.Documents.PatientQuotaBytes)
            {
                throw QuotaFull();
            }
            documents.Add(NewDocument(upload.AccountId, upload.PatientId, upload.Right, upload.PracticeId, upload.Request, contentType));
        }

        var mayCreateFirstKey = await MayCreateFirstKeyAsync(cancellationToken);
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, documents.Count),
                new ParallelOptions { MaxDegreeOfParallelism = BatchWriters, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    await SealAsync(documents[i], new MemoryStream(uploads[i].Content, writable: false), options.Documents.MaxUploadBytes, mayCreateFirstKey, token);
                    written.Add(documents[i].BlobName);
                });
            documents.ForEach(Add);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            foreach (var blob in written)
            {
                await store.DeleteAsync(blob, CancellationToken.None);
            }
            throw;
        }
        return documents;
    }

    // Each blob is flushed to disk before it is renamed into place; the disk finishes many flushes at once much sooner than one after another.
    private const int BatchWriters = 16;

    private HealthDocument NewDocument(Guid accountId, Guid patientId, UploadRight right, Guid? practiceId, UploadRequest request, string contentType)
    {
        var document = new HealthDocument
        {
            PatientId = patientId,
            PracticeId = practiceId,
            Title = request.Title!.Trim(),
            Category = request.Category!,
            Source = right == UploadRight.AsPatient ? DocumentSource.Patient
                : request.Source == "hospital" ? DocumentSource.Hospital : DocumentSource.Practice,
            Author = string.IsNullOrWhiteSpace(request.Author) ? null : request.Author.Trim()[..Math.Min(request.Author.Trim().Length, 200)],
            DateOfService = request.DateOfService,
            ContentType = contentType,
            FileName = ContentTypes.CleanFileName(request.FileName, contentType),
            Sha256 = [],
            KekId = "",
            BlobName = "",
            UploadedByAccountId = accountId,
            UploadedAt = clock.GetUtcNow().UtcDateTime,
        };
        document.BlobName = $"{document.Id.ToString("N")[..2]}/{document.Id:N}.kdoc";
        return document;
    }

    /// <summary>Only the very first document may make the first master key: a lost key folder must stop uploads, never be quietly replaced.</summary>
    private async Task<bool> MayCreateFirstKeyAsync(CancellationToken cancellationToken) =>
        keys.TryCurrentKeyId() is null && !await db.Documents.AnyAsync(d => d.WrappedKey != null, cancellationToken);

    /// <summary>
    /// Encrypts the content under a new data key of its own into staging, wraps the key and renames the blob into place.
    /// Touches no database, so several may run at once.
    /// </summary>
    private async Task SealAsync(HealthDocument document, Stream content, long limit, bool mayCreateFirstKey, CancellationToken cancellationToken)
    {
        var dataKey = DocumentCipher.NewDataKey();
        try
        {
            await using var staged = await store.StageAsync(cancellationToken);
            var (size, hash) = await DocumentCipher.EncryptAsync(content, staged.Stream, dataKey, document.Id, document.PatientId, limit, cancellationToken);
            (document.KekId, document.WrappedKey) = keys.Wrap(dataKey, mayCreateFirstKey);
            document.SizeBytes = size;
            document.Sha256 = hash;
            await staged.CommitAsync(document.BlobName, cancellationToken);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private void Add(HealthDocument document)
    {
        db.Documents.Add(document);
        audit.Record(AuditAction.DocumentUploaded, patientId: document.PatientId, practiceId: document.PracticeId, resourceType: "Document",
            resourceId: document.Id, bytes: document.SizeBytes);
    }

    /// <summary>
    /// Holds a file part that arrived before the fields that say whose it is: encrypted at once under a throwaway
    /// key into staging (plaintext never touches the disk), to be re-encrypted properly once authorised.
    /// </summary>
    public async Task<SpooledFile> SpoolAsync(Stream content, CancellationToken cancellationToken)
    {
        var staged = await store.StageAsync(cancellationToken);
        var key = DocumentCipher.NewDataKey();
        var id = Guid.NewGuid();
        try
        {
            var (size, _) = await DocumentCipher.EncryptAsync(content, staged.Stream, key, id, Guid.Empty, options.Documents.MaxUploadBytes, cancellationToken);
            return new SpooledFile(staged, key, id, size);
        }
        catch (DocumentTooLargeException)
        {
            await staged.DisposeAsync();
            throw TooLarge();
        }
        catch
        {
            await staged.DisposeAsync();
            throw;
        }
    }

    public async Task<HealthDocument> UploadSpooledAsync(
        Guid accountId, Guid patientId, UploadRight right, Guid? practiceId, UploadRequest request, SpooledFile spooled, CancellationToken cancellationToken)
    {
        if (spooled.Size == 0)
        {
            throw Refuse(UploadRefusal.Empty);
        }
        await using var encrypted = await spooled.Staged.OpenReadAsync(cancellationToken);
        var pipe = new System.IO.Pipelines.Pipe();
        var producer = Task.Run(async () =>
        {
            try
            {
                await using var writer = pipe.Writer.AsStream();
                await DocumentCipher.DecryptAsync(encrypted, writer, spooled.Key, spooled.TemporaryId, Guid.Empty, spooled.Size, 0, spooled.Size - 1, cancellationToken);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
                return;
            }
            await pipe.Writer.CompleteAsync();
        }, cancellationToken);
        await using var plaintext = pipe.Reader.AsStream();
        var document = await UploadAsync(accountId, patientId, right, practiceId, request, plaintext, cancellationToken);
        await producer;
        return document;
    }

    private UploadRejectedException Refuse(UploadRefusal reason, int status = StatusCodes.Status400BadRequest) =>
        UploadRefusals.Refuse(reason, options.Documents.MaxUploadBytes, status);

    private UploadRejectedException TooLarge() => Refuse(UploadRefusal.TooLarge, StatusCodes.Status413PayloadTooLarge);

    private UploadRejectedException QuotaFull() => Refuse(UploadRefusal.QuotaFull, StatusCodes.Status413PayloadTooLarge);
}

internal sealed class SpooledFile(IStagedBlob staged, byte[] key, Guid temporaryId, long size) : IAsyncDisposable
{
    public IStagedBlob Staged { get; } = staged;
    public byte[] Key { get; } = key;
    public Guid TemporaryId { get; } = temporaryId;
    public long Size { get; } = size;

    public async ValueTask DisposeAsync()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(Key);
        await Staged.DisposeAsync();
    }
}

/// <summary>Replays bytes already read (for type sniffing) before the rest of the stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.Length > 0)
        {
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        return await rest.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
