using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents;

public enum UploadRight
{
    None,
    AsPatient,
    AsClinician,
}

/// <summary>
/// The one place that says whose documents a caller may read. Callers compose its queries into their own,
/// so the database does the filtering: nothing is loaded first and checked afterwards.
/// A patient reads their own; a proxy reads while their grant is live; a clinician reads patients enrolled
/// today at a practice where they work as a clinician. Nobody else reads documents.
/// </summary>
public sealed class DocumentAccessPolicy(KaitiakiDb db, TimeProvider clock)
{
    public IQueryable<Guid> ReadablePatientIds(Guid accountId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Patients
            .Where(p =>
                db.Users.Any(a => a.Id == accountId && a.PatientId == p.Id)
                || db.ProxyGrants.Any(g => g.ProxyAccountId == accountId && g.PatientId == p.Id && g.RevokedAt == null
                                           && (g.ExpiresAt == null || g.ExpiresAt > now))
                || db.Enrolments.Any(e => e.PatientId == p.Id && e.EndedOn == null
                                          && db.StaffMemberships.Any(m => m.AccountId == accountId && m.PracticeId == e.PracticeId
                                                                          && m.EndedAt == null && m.Role == StaffRole.Clinician)))
            .Select(p => p.Id);
    }

    /// <summary>Documents the caller may read: live ones (not deleted or shredded) of readable patients.</summary>
    public IQueryable<HealthDocument> Readable(Guid accountId)
    {
        var patients = ReadablePatientIds(accountId);
        // Any(id == d.PatientId) is an EXISTS correlated on the document's patient, so the database looks up that one
        // patient. Contains(d.PatientId) became IN (subquery), which lists every readable patient first: a scan of all
        // patients on every document read.
        return db.Documents.Where(d => patients.Any(id => id == d.PatientId) && d.DeletedAt == null && d.ShreddedAt == null && !d.IsCanary);
    }

    /// <summary>When this account's reading rights may lapse by themselves: the earliest expiry among its live proxy grants.</summary>
    public Task<DateTime?> NextGrantExpiryAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.ProxyGrants
            .Where(g => g.ProxyAccountId == accountId && g.RevokedAt == null && g.ExpiresAt > now)
            .MinAsync(g => g.ExpiresAt, cancellationToken);
    }

    /// <summary>May the caller add a document for this patient, and in which capacity. A clinician's right comes with the practice.</summary>
    public async Task<(UploadRight Right, Guid? PracticeId)> UploadRightAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken)
    {
        if (await IsPatientSideAsync(accountId, patientId, cancellationToken))
        {
            return (UploadRight.AsPatient, null);
        }
        var practiceId = await db.Enrolments
                .Where(e => e.PatientId == patientId && e.EndedOn == null
                            && db.StaffMemberships.Any(m => m.AccountId == accountId && m.PracticeId == e.PracticeId
                                                            && m.EndedAt == null && m.Role == StaffRole.Clinician))
                .Select(e => (Guid?)e.PracticeId)
                .FirstOrDefaultAsync(cancellationToken);
        return practiceId is null ? (UploadRight.None, null) : (UploadRight.AsClinician, practiceId);
    }

    /// <summary>Is the caller this patient, or their proxy with a live grant (rather than practice staff)?</summary>
    public async Task<bool> IsPatientSideAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Users.AnyAsync(a => a.Id == accountId && a.PatientId == patientId, cancellationToken)
            || await db.ProxyGrants.AnyAsync(
                g => g.ProxyAccountId == accountId && g.PatientId == patientId && g.RevokedAt == null && (g.ExpiresAt == null || g.ExpiresAt > now),
                cancellationToken);
    }
}
