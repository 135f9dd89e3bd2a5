using System.Globalization;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Demo;

/// <summary>
/// Many synthetic patients without accounts, on top of the demo world (<c>demo-data --patients N</c>): panels big enough
/// to measure against and to try the detection of bulk access on. Each is enrolled at a practice still on the portal and
/// has one to four documents from its clinicians, encrypted under keys of their own and audited as any upload is. They
/// are added five hundred at a time, each batch (patients, enrolments, documents and their audit events) in one unit of work.
/// </summary>
internal static class DemoPopulation
{
    public const int MaxPatients = 200_000;

    private const int BatchSize = 500;

    // With the demo world's own names, so that a large panel reads like a real one.
    private static readonly string[] MoreGivenNames =
    [
        "Anahera", "Tāne", "Manaia", "Nikau", "Maia", "Kaia", "Aria", "Ruby", "Harper", "Hunter", "Sophie", "Hannah", "James", "William",
        "Thomas", "Samuel", "Emily", "Lily", "Ruth", "Margaret", "Peter", "David", "Susan", "Robert", "Losa", "Malakai", "Ana", "Fatima",
        "Ahmed", "Yuki", "Hiroshi", "Min-jun", "Ji-woo", "Rohan", "Anjali", "Siosaia",
    ];

    private static readonly string[] MoreFamilyNames =
    [
        "Tipene", "Kereama", "Tawhiri", "Poutama", "Karaka", "Hohaia", "Martin", "Jones", "King", "Campbell", "Stewart", "Scott", "Young",
        "Harris", "Lee", "Kim", "Nguyen", "Sharma", "Kumar", "Faleolo", "Leota", "Tupou", "Mahe", "O'Brien", "MacDonald", "van der Berg",
    ];

    private static readonly string[] Given = [.. DemoWorld.GivenNames, .. MoreGivenNames];
    private static readonly string[] Family = [.. DemoWorld.FamilyNames, .. MoreFamilyNames];

    private sealed record Panel(Guid PracticeId, string PracticeName, List<Guid> Clinicians);

    /// <summary>Adds <paramref name="count"/> patients, taking their NHIs from the world's own sequence; reports the share done.</summary>
    public static async Task AddAsync(IServiceProvider services, int count, DemoNhis nhis, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }
        List<Panel> panels;
        DateOnly today;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            var clinicians = await scope.ServiceProvider.GetRequiredService<PatientAccess>().CurrentMemberships(StaffRole.Clinician)
                .Join(db.Practices.Where(p => p.Status == PracticeStatus.Active), m => m.PracticeId, p => p.Id, (m, p) => new { p.Id, p.Name, m.AccountId })
                .ToListAsync(cancellationToken);
            panels = clinicians.GroupBy(c => (c.Id, c.Name)).OrderBy(g => g.Key.Name, StringComparer.Ordinal)
                .Select(g => new Panel(g.Key.Id, g.Key.Name, g.Select(c => c.AccountId).Order().ToList())).ToList();
            today = DateOnly.FromDateTime(scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        }
        if (panels.Count == 0)
        {
            throw new InvalidOperationException("The demo world has no practice on the portal with a clinician, so there is nowhere to enrol patients.");
        }

        var rng = new Random(20260214);
        var added = 0;
        // Two batches at a time: while one is saved, which keeps one core busy, the other's documents are encrypted and
        // written, which mostly waits for the disk.
        await Parallel.ForEachAsync(Enumerable.Range(0, (count + BatchSize - 1) / BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken },
            async (batch, token) =>
            {
                var size = Math.Min(BatchSize, count - batch * BatchSize);
                // A scope, and so a unit of work, of its own for each batch: no change tracker ever holds more than one.
                await using var scope = services.CreateAsyncScope();
                List<BatchUpload> uploads;
                // The NHI sequence and the random numbers are not shared safely: one batch takes its share at a time.
                lock (rng)
                {
                    uploads = NewBatch(scope.ServiceProvider, size, panels, nhis, rng, today);
                }
                // Saves the patients and enrolments with the documents, so each batch is there whole or not at all.
                await scope.ServiceProvider.GetRequiredService<DocumentUpload>().UploadBatchAsync(uploads, token);
                progress?.Report(Interlocked.Add(ref added, size) / (double)count);
            });
    }

    /// <summary>Adds a batch of patients and their enrolments to the scope's unit of work; returns their documents, to be added with them.</summary>
    private static List<BatchUpload> NewBatch(IServiceProvider sp, int size, List<Panel> panels, DemoNhis nhis, Random rng, DateOnly today)
    {
        var db = sp.GetRequiredService<KaitiakiDb>();
        // Everything in this unit of work is added and never changed afterwards, so there are no changes to look for.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var audit = sp.GetRequiredService<AuditTrail>();
        var enrolments = sp.GetRequiredService<EnrolmentService>();
        var uploads = new List<BatchUpload>();
        for (var i = 0; i < size; i++)
        {
            var panel = panels[rng.Next(panels.Count)];
            var nhi = nhis.Next();
            var dateOfBirth = today.AddDays(-rng.Next(0, 95 * 365));
            var patient = new Patient
            {
                Nhi = nhi,
                GivenName = Given[rng.Next(Given.Length)],
                FamilyName = Family[rng.Next(Family.Length)],
                DateOfBirth = dateOfBirth,
                Email = $"{nhi.ToLowerInvariant()}@patients.example.nz",
                Mobile = rng.Next(3) == 0 ? null : $"02{rng.Next(1, 3)} 555 {rng.Next(1000, 9999)}",
                PreferredContact = ContactMethod.Email,
            };
            db.Patients.Add(patient);
            audit.Record(AuditAction.PatientCreated, patientId: patient.Id, practiceId: panel.PracticeId, resourceType: "Patient", resourceId: patient.Id);
            enrolments.EnrolNewPatient(patient, panel.PracticeId, DayBetween(rng, Later(dateOfBirth, today.AddYears(-10)), today));

            var first = rng.Next(Kinds.Length);
            var documents = rng.Next(1, 5);
            for (var d = 0; d < documents; d++)
            {
                var seen = DayBetween(rng, Later(dateOfBirth, today.AddYears(-5)), today);
                var clinician = panel.Clinicians[rng.Next(panel.Clinicians.Count)];
                uploads.Add(Kinds[(first + d) % Kinds.Length](patient, panel, clinician, seen));
            }
        }
        return uploads;
    }

    private static readonly Func<Patient, Panel, Guid, DateOnly, BatchUpload>[] Kinds =
    [
        (patient, panel, clinician, seen) => Letter(patient, panel, clinician, seen, "Discharge summary", "discharge-summary", "hospital", "Whangārei Hospital",
        [
            $"Admitted: {Day(seen.AddDays(-2))}    Discharged: {Day(seen)}",
            "",
            "Presenting complaint: cellulitis of the left lower leg.",
            "Treatment: IV flucloxacillin for 48 hours, then oral for 7 days.",
            "Follow-up: GP review of the wound in one week.",
        ]),
        (patient, panel, clinician, seen) => Letter(patient, panel, clinician, seen, "Clinic letter", "clinical-letter", "practice", panel.PracticeName,
        [
            $"Seen on {Day(seen)} for a routine review.",
            "",
            "Blood pressure 124/78. Medicines reviewed; no changes.",
            "Next review in twelve months, or sooner if anything changes.",
        ]),
        (patient, panel, clinician, seen) => Letter(patient, panel, clinician, seen, "Blood test results", "lab-report", "practice", "Northland Community Laboratory",
        [
            $"Collected: {Day(seen)}",
            "",
            "Full blood count: within normal limits.",
            "HbA1c: 38 mmol/mol (normal).",
            "Lipids: total cholesterol 4.6 mmol/L.",
        ]),
        (patient, panel, clinician, seen) => Letter(patient, panel, clinician, seen, "Referral to physiotherapy", "referral", "practice", panel.PracticeName,
        [
            $"Referred on {Day(seen)}.",
            "",
            "Reason: lower back pain for six weeks, no red flags.",
            "Please assess and treat.",
        ]),
    ];

    private static BatchUpload Letter(
        Patient patient, Panel panel, Guid clinician, DateOnly seen, string title, string category, string source, string author, string[] body)
    {
        var content = DemoFiles.Pdf(title, [
            $"Patient: {patient.DisplayName}    NHI: {patient.Nhi}    Born: {Day(patient.DateOfBirth)}",
            "",
            .. body,
            "",
            "This document is made up for the Kaitiaki demo. It describes no real person.",
        ]);
        var request = new UploadRequest(patient.Id, title, category, author, seen, $"{category}.pdf", "application/pdf", content.Length, source);
        return new BatchUpload(clinician, patient.Id, UploadRight.AsClinician, panel.PracticeId, request, content);
    }

    private static string Day(DateOnly day) => day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly DayBetween(Random rng, DateOnly from, DateOnly to) => from.AddDays(rng.Next(0, to.DayNumber - from.DayNumber + 1));
}
