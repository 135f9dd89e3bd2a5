using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents;

internal sealed record DocumentSummary(
    Guid Id, Guid PatientId, string Title, string Category, string Source, string? Author, DateOnly? DateOfService,
    string ContentType, string FileName, long Size, string Sha256, DateTime UploadedAt, bool Hidden, bool CanDelete, bool CanHide);

internal enum ChangeOutcome
{
    Done,
    NotFound,
    NotAllowed,
}

/// <summary>
/// Reading and changing documents. Every query starts from <see cref="DocumentAccessPolicy.Readable"/>, so a
/// document the caller may not read is simply not there: it answers exactly like one that never existed.
/// </summary>
internal sealed class DocumentService(
    KaitiakiDb db, DocumentAccessPolicy policy, AuditTrail audit, AccessCache<(Guid Account, Guid Document), DocumentForReading> remembered,
    AccessRevisions revisions, RememberedDecisions decisions, TimeProvider clock)
{
    /// <summary>Null when the caller may not read this patient's documents (or there is no such patient).</summary>
    public async Task<List<DocumentSummary>?> ListAsync(Guid accountId, Guid patientId, bool includeHidden, CancellationToken cancellationToken)
    {
        if (!await policy.Patients.ReadablePatientIds(accountId).AnyAsync(id => id == patientId, cancellationToken))
        {
            await audit.RecordStandaloneAsync(AuditAction.DocumentAccessDenied, AuditOutcome.Denied, resourceType: "Patient", resourceId: patientId,
                detail: "list");
            return null;
        }
        var isPatientSide = await policy.Patients.IsPatientSideAsync(accountId, patientId, cancellationToken);
        var documents = await policy.Readable(accountId)
            .Where(d => d.PatientId == patientId && (includeHidden || !isPatientSide || d.HiddenAt == null))
            .OrderByDescending(d => d.UploadedAt)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        try
        {
            // The list event names every document it disclosed, so a breach scope can say whose metadata was seen.
            await audit.RecordStandaloneAsync(AuditAction.DocumentListed, patientId: patientId, resourceType: "Patient", resourceId: patientId,
                detail: $"{documents.Count} documents", items: documents.Select(d => d.Id).ToList());
        }
        catch (AccessRefusedException ex) when (ex.Refusal.LooksMissing)
        {
            return null;
        }
        var callerPatientId = await CallerPatientIdAsync(accountId, cancellationToken);
        return documents.Select(d => Summarise(d, accountId, isPatientSide, callerPatientId)).ToList();
    }

    public async Task<DocumentSummary?> GetAsync(Guid accountId, Guid documentId, CancellationToken cancellationToken)
    {
        var document = await FindReadableAsync(accountId, documentId, "metadata", cancellationToken);
        if (document is null)
        {
            return null;
        }
        try
        {
            await audit.RecordStandaloneAsync(AuditAction.DocumentMetadataViewed, patientId: document.PatientId, resourceType: "Document", resourceId: document.Id);
        }
        catch (AccessRefusedException ex) when (ex.Refusal.LooksMissing)
        {
            return null;
        }
        return Summarise(document, accountId, await policy.Patients.IsPatientSideAsync(accountId, document.PatientId, cancellationToken),
            await CallerPatientIdAsync(accountId, cancellationToken));
    }

    /// <summary>
    /// The document for a download, or null (recorded as a denial). The caller records the read (with the bytes) before
    /// sending anything. When the request's principal came from a remembered decision, the document decision may be
    /// remembered too; the request then rests on it (<see cref="RememberedDecisions"/>), and the read's audit event confirms it.
    /// </summary>
    public async Task<DocumentForReading?> FindForContentAsync(Guid accountId, Guid documentId, CancellationToken cancellationToken)
    {
        if (decisions.Oldest is null)
        {
            return await FindReadableAsync(accountId, documentId, "content", cancellationToken) is { } found ? DocumentForReading.From(found) : null;
        }
        if (remembered.TryGet((accountId, documentId), out var known, out var knownRevision))
        {
            decisions.RestOn(knownRevision);
            return known;
        }
        // The revision is read before the document, so a change in between makes the entry look old, never new.
        var revision = await revisions.ReadAsync(db, cancellationToken);
        decisions.RestOn(revision);
        var document = await FindReadableAsync(accountId, documentId, "content", cancellationToken);
        if (document is null)
        {
            return null;
        }
        var snapshot = DocumentForReading.From(document);
        remembered.Set((accountId, documentId), snapshot, revision, await policy.Patients.NextGrantExpiryAsync(accountId, cancellationToken));
        return snapshot;
    }

    /// <summary>
    /// Records a download or preview, confirming any remembered decision the request rests on. A guard may refuse it
    /// (<see cref="AccessRefusedException"/>), and then nothing may be sent.
    /// </summary>
    public Task RecordReadAsync(DocumentForReading document, bool preview, long bytes) =>
        audit.RecordStandaloneAsync(preview ? AuditAction.DocumentPreviewed : AuditAction.DocumentDownloaded,
            patientId: document.PatientId, resourceType: "Document", resourceId: document.Id, bytes: bytes);

    /// <summary>A patient (or their proxy) deletes a document they uploaded. It is kept for the grace period, then its key is destroyed.</summary>
    public async Task<ChangeOutcome> DeleteAsync(Guid accountId, Guid documentId, CancellationToken cancellationToken)
    {
        var document = await FindReadableAsync(accountId, documentId, "delete", cancellationToken, tracked: true);
        if (document is null)
        {
            return ChangeOutcome.NotFound;
        }
        if (!await MayDeleteAsync(accountId, document, cancellationToken))
        {
            await audit.RecordAndSaveAsync(AuditAction.DocumentDeleted, AuditOutcome.Denied, patientId: document.PatientId,
                resourceType: "Document", resourceId: document.Id, detail: "not the patient's or this person's upload", cancellationToken: cancellationToken);
            return ChangeOutcome.NotAllowed;
        }
        document.DeletedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.DocumentDeleted, patientId: document.PatientId, resourceType: "Document", resourceId: document.Id);
        await db.SaveChangesAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    /// <summary>A patient hides a practice document from their own list (or shows it again). Practice documents can't be deleted by patients.</summary>
    public async Task<ChangeOutcome> SetHiddenAsync(Guid accountId, Guid documentId, bool hidden, CancellationToken cancellationToken)
    {
        var document = await FindReadableAsync(accountId, documentId, "hide", cancellationToken, tracked: true);
        if (document is null)
        {
            return ChangeOutcome.NotFound;
        }
        if (!await policy.Patients.IsPatientSideAsync(accountId, document.PatientId, cancellationToken))
        {
            return ChangeOutcome.NotAllowed;
        }
        document.HiddenAt = hidden ? clock.GetUtcNow().UtcDateTime : null;
        audit.Record(hidden ? AuditAction.DocumentHidden : AuditAction.DocumentUnhidden, patientId: document.PatientId, resourceType: "Document", resourceId: document.Id);
        await db.SaveChangesAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    private async Task<HealthDocument?> FindReadableAsync(
        Guid accountId, Guid documentId, string operation, CancellationToken cancellationToken, bool tracked = false)
    {
        var query = policy.Readable(accountId).Where(d => d.Id == documentId);
        var document = await (tracked ? query : query.AsNoTracking()).FirstOrDefaultAsync(cancellationToken);
        if (document is null)
        {
            // Denied or missing: the same answer, and the same record.
            await audit.RecordStandaloneAsync(AuditAction.DocumentAccessDenied, AuditOutcome.Denied, resourceType: "Document", resourceId: documentId,
                detail: operation);
        }
        return document;
    }

    /// <summary>
    /// Patient uploads can be deleted by the patient, and by a proxy who added that document themselves.
    /// Practice and hospital documents are never deleted by patients; they can be hidden.
    /// </summary>
    private async Task<bool> MayDeleteAsync(Guid accountId, HealthDocument document, CancellationToken cancellationToken) =>
        document.Source == DocumentSource.Patient
        && (await CallerPatientIdAsync(accountId, cancellationToken) == document.PatientId
            || (document.UploadedByAccountId == accountId && await policy.Patients.IsPatientSideAsync(accountId, document.PatientId, cancellationToken)));

    private Task<Guid?> CallerPatientIdAsync(Guid accountId, CancellationToken cancellationToken) =>
        policy.Patients.OwnPatientIdAsync(accountId, cancellationToken);

    internal static DocumentSummary Summarise(HealthDocument d, Guid accountId, bool patientSide, Guid? callerPatientId) => new(
        d.Id, d.PatientId, d.Title, d.Category, d.Source.ToString().ToLowerInvariant(), d.Author, d.DateOfService, d.ContentType, d.FileName,
        d.SizeBytes, Convert.ToHexString(d.Sha256).ToLowerInvariant(), d.UploadedAt, d.HiddenAt is not null,
        CanDelete: patientSide && d.Source == DocumentSource.Patient && (d.UploadedByAccountId == accountId || d.PatientId == callerPatientId),
        CanHide: patientSide && d.Source != DocumentSource.Patient);
}
