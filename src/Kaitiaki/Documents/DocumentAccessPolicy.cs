using Kaitiaki.Practices;
using Kaitiaki.Storage;

namespace Kaitiaki.Documents;

internal enum UploadRight
{
    None,
    AsPatient,
    AsClinician,
}

/// <summary>
/// Which documents a caller may read, built on the one patient-access rule (<see cref="PatientAccess"/>): a document is
/// readable when its patient is, and it is live (not deleted, shredded or a canary). Callers compose these queries into
/// their own, so the database does the filtering: nothing is loaded first and checked afterwards.
/// </summary>
internal sealed class DocumentAccessPolicy(KaitiakiDb db, PatientAccess access)
{
    public PatientAccess Patients => access;

    /// <summary>Documents the caller may read: live ones (not deleted or shredded) of readable patients.</summary>
    public IQueryable<HealthDocument> Readable(Guid accountId)
    {
        var patients = access.ReadablePatientIds(accountId);
        // Any(id == d.PatientId) is an EXISTS correlated on the document's patient, so the database looks up that one
        // patient. Contains(d.PatientId) became IN (subquery), which lists every readable patient first: a scan of all
        // patients on every document read.
        return db.Documents.Where(d => patients.Any(id => id == d.PatientId) && d.DeletedAt == null && d.ShreddedAt == null && !d.IsCanary);
    }

    /// <summary>May the caller add a document for this patient, and in which capacity. A clinician's right comes with the practice.</summary>
    public async Task<(UploadRight Right, Guid? PracticeId)> UploadRightAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken)
    {
        if (await access.IsPatientSideAsync(accountId, patientId, cancellationToken))
        {
            return (UploadRight.AsPatient, null);
        }
        var practiceId = await access.ClinicianPracticeAsync(accountId, patientId, cancellationToken);
        return practiceId is null ? (UploadRight.None, null) : (UploadRight.AsClinician, practiceId);
    }
}
