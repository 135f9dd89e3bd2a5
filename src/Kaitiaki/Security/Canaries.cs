using Kaitiaki.Audit;
using Kaitiaki.Demo;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal sealed record PlantedCanary(Guid PatientId, IReadOnlyList<Guid> DocumentIds);

/// <summary>
/// Plants decoy patients. A decoy is enrolled at a practice and has a few ordinary-looking documents, so a list or a
/// harvest shows it like anyone else; nobody has a reason to open one, so a read of its data means bulk or curious
/// access and contains the caller (<see cref="Detector"/>). Its NHI is from the Z range, which is never given to a
/// real person, so a decoy can never be mistaken for, or leak the number of, someone real.
/// </summary>
internal sealed class Canaries(
    KaitiakiDb db, AuditTrail audit, EnrolmentService enrolments, DocumentUpload upload, IDetectionState state, TimeProvider clock)
{
    private static readonly string[] GivenNames = ["Hana", "Rawiri", "Sophie", "Daniel", "Losa", "Tane", "Emily", "Ravi", "Ruby", "Manaia", "Anahera", "Josh"];
    private static readonly string[] FamilyNames = ["Kingi", "Morrison", "Tauroa", "Nguyen", "Faleolo", "Campbell", "Reddy", "Paki", "Gray", "Hohaia"];

    /// <summary>Null when there is no such practice or it has left the portal.</summary>
    public async Task<PlantedCanary?> PlantAsync(Guid analystId, Guid practiceId, CancellationToken cancellationToken)
    {
        var practice = await db.Practices.AsNoTracking().FirstOrDefaultAsync(p => p.Id == practiceId && p.Status == PracticeStatus.Active, cancellationToken);
        if (practice is null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var given = GivenNames[Random.Shared.Next(GivenNames.Length)];
        var family = FamilyNames[Random.Shared.Next(FamilyNames.Length)];
        var decoy = new Patient
        {
            Nhi = await FreeNhiAsync(cancellationToken),
            GivenName = given,
            FamilyName = family,
            DateOfBirth = today.AddYears(-Random.Shared.Next(25, 80)).AddDays(-Random.Shared.Next(0, 365)),
            Email = $"{given.ToLowerInvariant()}.{family.ToLowerInvariant()}{Random.Shared.Next(10, 99)}@decoy.kaitiaki.invalid",
            IsDecoy = true,
        };
        db.Patients.Add(decoy);
        // Enrolled the one way anyone is; a decoy is nobody, so there is no one whose consent it needs.
        await enrolments.EnrolAsync(decoy.Id, practiceId, today.AddYears(-Random.Shared.Next(1, 6)), cancellationToken);
        audit.Record(AuditAction.CanaryPlanted, patientId: decoy.Id, practiceId: practiceId, resourceType: "Patient", resourceId: decoy.Id);
        await db.SaveChangesAsync(cancellationToken);
        // From this moment a read of it contains the caller, before its documents exist.
        await state.TrySetAsync(Detector.CanaryKey(decoy.Id), null, now);

        var seen = today.AddDays(-Random.Shared.Next(30, 400));
        var documents = new List<Guid>
        {
            await AddAsync(analystId, decoy, practiceId, "Clinic letter", "clinical-letter", seen, "Outpatient clinic",
                ["Thank you for seeing this patient in clinic.", "Examination was unremarkable. No follow-up is needed."], cancellationToken),
            await AddAsync(analystId, decoy, practiceId, "Blood test results", "lab-report", seen.AddDays(-7), "Community laboratory",
                ["Full blood count: within reference ranges.", "HbA1c: 38 mmol/mol."], cancellationToken),
        };
        return new PlantedCanary(decoy.Id, documents);
    }

    private async Task<Guid> AddAsync(Guid analystId, Patient decoy, Guid practiceId, string title, string category, DateOnly seen, string author,
        string[] lines, CancellationToken cancellationToken)
    {
        var content = DemoFiles.Pdf(title, [$"Patient: {decoy.DisplayName}    NHI: {decoy.Nhi}", "", .. lines]);
        var request = new UploadRequest(decoy.Id, title, category, author, seen, (category == "lab-report" ? "results" : "letter") + ".pdf", "application/pdf", content.Length, "practice");
        var document = await upload.UploadAsync(analystId, decoy.Id, UploadRight.AsClinician, practiceId, request, new MemoryStream(content), cancellationToken);
        return document.Id;
    }

    private async Task<string> FreeNhiAsync(CancellationToken cancellationToken)
    {
        const string letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        while (true)
        {
            var stem = $"Z{letters[Random.Shared.Next(letters.Length)]}{letters[Random.Shared.Next(letters.Length)]}";
            if (Nhi.CompleteOldFormat(stem, Random.Shared.Next(0, 1000)) is { } nhi && !await db.Patients.AnyAsync(p => p.Nhi == nhi, cancellationToken))
            {
                return nhi;
            }
        }
    }
}
