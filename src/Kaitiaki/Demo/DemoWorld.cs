using System.Security.Cryptography;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Demo;

internal sealed record DemoAccount(string Role, string Email, string Password, string TotpSecret, string? Practice, string? Nhi)
{
    /// <summary>Ten recovery codes, as activation gives every real account, so a demo person can try signing in with one.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; init; } = [];
}

/// <summary>
/// The demo world: three practices (one has left the portal), staff in every role, about forty
/// patients with Z-range test NHIs including children whose parent is their proxy, and one operator
/// of each role; on request, more clinicians and many patients without accounts. Passwords are random for each data
/// folder; production never runs this.
/// </summary>
internal static class DemoWorld
{
    private static readonly JsonSerializerOptions JsonFileOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    internal static readonly string[] GivenNames =
    [
        "Aroha", "Wiremu", "Mere", "Hemi", "Ngaio", "Tama", "Kiri", "Rangi", "Sione", "Mele", "Olivia", "Jack", "Charlotte", "Noah",
        "Isla", "Leo", "Amelia", "George", "Mia", "Oliver", "Priya", "Arjun", "Mei", "Wei", "Grace", "Liam", "Ava", "Lucas", "Zoe", "Ethan",
    ];

    internal static readonly string[] FamilyNames =
    [
        "Ngata", "Parata", "Te Whiu", "Walker", "Smith", "Williams", "Brown", "Wilson", "Taylor", "Tuilagi", "Fonoti", "Singh", "Chen",
        "Wang", "Patel", "Thompson", "Anderson", "Clarke", "Robinson", "Henare",
    ];

    /// <summary>Discharge summaries and letters from each patient's practice, as PDFs, and a few photos patients added themselves.</summary>
    private static async Task AddDocumentsAsync(IServiceProvider sp, List<(Patient Patient, Practice Practice)> patients,
        List<(Account Account, Practice Practice, StaffRole Role)> staff, List<Account> accounts, CancellationToken cancellationToken)
    {
        var upload = sp.GetRequiredService<DocumentUpload>();
        var db = sp.GetRequiredService<KaitiakiDb>();
        // The portal's clock, as the uploads use for the day each document was added, so no date of service is after it.
        var today = DateOnly.FromDateTime(sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        for (var i = 0; i < patients.Count; i++)
        {
            var (patient, practice) = patients[i];
            var practiceId = await sp.GetRequiredService<PatientAccess>().CurrentPracticeAsync(patient.Id, cancellationToken);
            var clinician = staff.First(s => s.Practice.Id == practiceId && s.Role == StaffRole.Clinician).Account;
            // At least 20 days ago, so the clinic letter two weeks later is still in the past.
            var seen = today.AddDays(-(20 + i * 11));
            var summary = DemoFiles.Pdf("Discharge summary", [
                "Te Whatu Ora - Whangarei Hospital (synthetic demo document)",
                $"Patient: {patient.DisplayName}    NHI: {patient.Nhi}",
                $"Admitted: {seen.AddDays(-3):d MMMM yyyy}    Discharged: {seen:d MMMM yyyy}",
                "",
                "Presenting complaint: community-acquired pneumonia.",
                "Treatment: IV amoxicillin, then oral for 5 days. Oxygen weaned on day 2.",
                "Follow-up: GP review in one week; chest X-ray in six weeks.",
                "",
                "This letter is made up for the Kaitiaki demo. It describes no real person.",
            ]);
            await UploadAsync(upload, clinician.Id, patient.Id, practiceId, "Discharge summary", "discharge-summary", seen, "Whangārei Hospital", summary, "application/pdf", "discharge-summary.pdf", cancellationToken);
            if (i % 2 == 0)
            {
                var letter = DemoFiles.Pdf("Clinical letter", [
                    $"Re: {patient.DisplayName}, NHI {patient.Nhi}",
                    "",
                    "Thank you for seeing this patient in the respiratory clinic.",
                    "Spirometry is within normal limits. No further follow-up is needed.",
                    "",
                    "Synthetic demo letter: no real person is described.",
                ]);
                await UploadAsync(upload, clinician.Id, patient.Id, practiceId, "Respiratory clinic letter", "clinical-letter", seen.AddDays(14), "Respiratory clinic", letter, "application/pdf", "clinic-letter.pdf", cancellationToken);
            }
            if (i % 5 == 0 && accounts.FirstOrDefault(a => a.PatientId == patient.Id) is { } own)
            {
                var photo = DemoFiles.Png(96, 64, ((byte)(40 * i), 120, 180));
                await UploadAsync(upload, own.Id, patient.Id, null, "Photo of my rash", "photo", null, null, photo, "image/png", "rash.png", cancellationToken);
            }
        }
    }

    private static async Task UploadAsync(DocumentUpload upload, Guid accountId, Guid patientId, Guid? practiceId, string title, string category,
        DateOnly? dateOfService, string? author, byte[] content, string contentType, string fileName, CancellationToken cancellationToken)
    {
        var right = practiceId is null ? UploadRight.AsPatient : UploadRight.AsClinician;
        var source = right == UploadRight.AsPatient ? "patient" : category == "discharge-summary" ? "hospital" : "practice";
        var request = new UploadRequest(patientId, title, category, author, dateOfService, fileName, contentType, content.Length, source);
        await upload.UploadAsync(accountId, patientId, right, practiceId, request, new MemoryStream(content), cancellationToken);
    }

    public static async Task<bool> IsDatabaseEmptyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        return !await db.Practices.AnyAsync(cancellationToken) && !await db.Users.AnyAsync(cancellationToken);
    }

    public static Task SeedAsync(IServiceProvider services, IProgress<double>? progress, CancellationToken cancellationToken) =>
        SeedAsync(services, 0, progress, cancellationToken);

    /// <param name="patientsWithoutAccounts">Synthetic patients to add on top of the usual world (<see cref="DemoPopulation"/>), 0 to <see cref="DemoPopulation.MaxPatients"/>.</param>
    public static async Task SeedAsync(IServiceProvider services, int patientsWithoutAccounts, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patientsWithoutAccounts);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(patientsWithoutAccounts, DemoPopulation.MaxPatients);
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<KaitiakiDb>();
        var practices = sp.GetRequiredService<PracticeService>();
        var enrolments = sp.GetRequiredService<EnrolmentService>();
        var hasher = sp.GetRequiredService<IPasswordHasher<Account>>();
        var options = sp.GetRequiredService<KaitiakiOptions>();
        var audit = sp.GetRequiredService<AuditTrail>();
        var seeds = sp.GetRequiredService<TotpSeeds>();
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var accounts = new List<(Account Account, DemoAccount Entry)>();

        DemoAccount NewAccount(Account account, string role, string? practice, string? nhi)
        {
            var password = Secrets.NewGroupedCode() + "-" + Secrets.NewGroupedCode()[..4];
            var secret = Totp.NewSecret();
            account.TotpSecret = seeds.SealAsync(secret, account.Id, CancellationToken.None).GetAwaiter().GetResult();
            account.EmailConfirmed = true;
            account.LockoutEnabled = true;
            account.CreatedAt = now;
            account.UserName = account.Email;
            account.PasswordHash = password; // hashed below, in parallel
            var entry = new DemoAccount(role, account.Email!, password, secret, practice, nhi);
            accounts.Add((account, entry));
            return entry;
        }

        var kauri = await practices.CreatePracticeAsync("Kauri Coast Family Health", HpiFacilityId.Complete("F2K101"), "Hine Ngata", "privacy@kauricoast.example.nz", cancellationToken);
        var harbour = await practices.CreatePracticeAsync("Harbourside Medical Centre", HpiFacilityId.Complete("F3H202"), "Tom Fraser", "privacy@harbourside.example.nz", cancellationToken);
        var totara = await practices.CreatePracticeAsync("Tōtara Street Surgery", HpiFacilityId.Complete("F4T303"), "Ana Lealaiauloto", "privacy@totarastreet.example.nz", cancellationToken);
        progress?.Report(5);

        // Patients: Z-range test NHIs, made valid by their check digit.
        var patients = new List<(Patient Patient, Practice Practice)>();
        var nhis = new DemoNhis();
        var rng = new Random(20251229);
        Patient NewPatient(string given, string family, DateOnly dob)
        {
            var nhi = nhis.Next();
            return new Patient
            {
                Nhi = nhi,
                GivenName = given,
                FamilyName = family,
                DateOfBirth = dob,
                Email = $"{given.ToLowerInvariant()}.{family.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal)}.{nhi.ToLowerInvariant()}@patients.example.nz",
                Mobile = $"021 555 {rng.Next(1000, 9999)}",
                PreferredContact = ContactMethod.Email,
            };
        }

        var practiceList = new[] { kauri, harbour, totara };
        for (var i = 0; i < options.DemoPatients; i++)
        {
            var practice = practiceList[i % 3];
            var patient = NewPatient(GivenNames[i % GivenNames.Length], FamilyNames[(i * 7) % FamilyNames.Length],
                today.AddYears(-(20 + rng.Next(0, 60))).AddDays(-rng.Next(0, 365)));
            db.Patients.Add(patient);
            patients.Add((patient, practice));
        }
        // Ten children under 16, each with a parent among the adults above as their proxy.
        var children = new List<(Patient Child, Patient Parent, Practice Practice)>();
        for (var i = 0; i < 10; i++)
        {
            var (parent, practice) = patients[i];
            var child = NewPatient(GivenNames[(i + 17) % GivenNames.Length], parent.FamilyName, today.AddYears(-(2 + rng.Next(0, 12))).AddDays(-rng.Next(0, 365)));
            db.Patients.Add(child);
            children.Add((child, parent, practice));
        }
        foreach (var (patient, practice) in patients.Concat(children.Select(c => (c.Child, c.Practice))))
        {
            audit.Record(AuditAction.PatientCreated, patientId: patient.Id, practiceId: practice.Id, resourceType: "Patient", resourceId: patient.Id);
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (patient, practice) in patients.Concat(children.Select(c => (c.Child, c.Practice))))
        {
            if (practice == totara)
            {
                // Tōtara Street's patients enrolled there first, then moved to Harbourside when it left the portal.
                await enrolments.EnrolAsync(patient.Id, totara.Id, today.AddYears(-6), cancellationToken);
                await enrolments.EnrolAsync(patient.Id, harbour.Id, today.AddMonths(-3), cancellationToken);
            }
            else
            {
                await enrolments.EnrolAsync(patient.Id, practice.Id, today.AddYears(-2), cancellationToken);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await practices.MarkLeftAsync(totara.Id, today.AddMonths(-3), cancellationToken);
        progress?.Report(20);

        // Patient accounts for the adults; the first ten are parents, and so proxies too.
        var parentIds = children.Select(c => c.Parent.Id).ToHashSet();
        foreach (var (patient, practice) in patients)
        {
            var current = practice == totara ? harbour : practice;
            NewAccount(new Account { Kind = AccountKind.Patient, DisplayName = patient.DisplayName, Email = patient.Email, PatientId = patient.Id },
                parentIds.Contains(patient.Id) ? Roles.Proxy : Roles.Patient, current.Name, patient.Nhi);
        }

        // Staff: clinicians, administrators and privacy officers at each practice.
        var staff = new List<(Account Account, Practice Practice, StaffRole Role)>();
        void Staff(string name, string email, Practice practice, StaffRole role)
        {
            var account = new Account { Kind = AccountKind.Staff, DisplayName = name, Email = email };
            NewAccount(account, Roles.Of(role), practice.Name, null);
            staff.Add((account, practice, role));
        }
        Staff("Dr Anaru Pomare", "anaru.pomare@kauricoast.example.nz", kauri, StaffRole.Clinician);
        Staff("Nurse Sarah Lim", "sarah.lim@kauricoast.example.nz", kauri, StaffRole.Clinician);
        Staff("Hine Ngata", "hine.ngata@kauricoast.example.nz", kauri, StaffRole.PrivacyOfficer);
        Staff("Rewi Ormsby", "rewi.ormsby@kauricoast.example.nz", kauri, StaffRole.PracticeAdministrator);
        Staff("Dr Fiona McKay", "fiona.mckay@harbourside.example.nz", harbour, StaffRole.Clinician);
        Staff("Nurse Tevita Fifita", "tevita.fifita@harbourside.example.nz", harbour, StaffRole.Clinician);
        Staff("Tom Fraser", "tom.fraser@harbourside.example.nz", harbour, StaffRole.PrivacyOfficer);
        Staff("Gemma Hart", "gemma.hart@harbourside.example.nz", harbour, StaffRole.PracticeAdministrator);
        Staff("Dr Ana Lealaiauloto", "ana.lealaiauloto@totarastreet.example.nz", totara, StaffRole.Clinician);
        Staff("Paul Whitaker", "paul.whitaker@totarastreet.example.nz", totara, StaffRole.PracticeAdministrator);
        // More clinicians when asked for (a benchmark's many readers), at the practices still on the portal.
        var domains = new[] { (kauri, "kauricoast.example.nz"), (harbour, "harbourside.example.nz") };
        for (var i = 0; i < options.DemoClinicians - KaitiakiOptions.NamedDemoClinicians; i++)
        {
            var (practice, domain) = domains[i % domains.Length];
            var given = GivenNames[(i * 7 + 3) % GivenNames.Length];
            var family = FamilyNames[(i * 11 + 5) % FamilyNames.Length];
            var address = $"{given}.{family.Replace(" ", "", StringComparison.Ordinal)}.{i + 1}@{domain}".ToLowerInvariant();
            Staff($"{(i % 3 == 2 ? "Nurse" : "Dr")} {given} {family}", address, practice, StaffRole.Clinician);
        }

        NewAccount(new Account { Kind = AccountKind.Operator, DisplayName = "Support: Lena Ruru", Email = "support@operator.example.nz", OperatorRole = OperatorRole.SupportAgent }, Roles.SupportAgent, null, null);
        NewAccount(new Account { Kind = AccountKind.Operator, DisplayName = "Security: Malia Tupou", Email = "security@operator.example.nz", OperatorRole = OperatorRole.SecurityAnalyst }, Roles.SecurityAnalyst, null, null);
        NewAccount(new Account { Kind = AccountKind.Operator, DisplayName = "Incidents: James Kerr", Email = "incidents@operator.example.nz", OperatorRole = OperatorRole.IncidentManager }, Roles.IncidentManager, null, null);

        // 210,000 PBKDF2 iterations per account is deliberately slow: spread it over the cores.
        var done = 0;
        Parallel.ForEach(accounts, new ParallelOptions { CancellationToken = cancellationToken }, a =>
        {
            a.Account.PasswordHash = hasher.HashPassword(a.Account, a.Entry.Password);
            progress?.Report(20 + 60.0 * Interlocked.Increment(ref done) / accounts.Count);
        });

        var users = sp.GetRequiredService<UserManager<Account>>();
        foreach (var (account, _) in accounts)
        {
            account.NormalizedEmail = users.NormalizeEmail(account.Email);
            account.NormalizedUserName = users.NormalizeName(account.UserName);
            db.Users.Add(account);
        }
        for (var i = 0; i < accounts.Count; i++)
        {
            var (account, entry) = accounts[i];
            accounts[i] = (account, entry with { RecoveryCodes = InvitationService.IssueRecoveryCodes(db, account.Id, now) });
        }
        foreach (var (account, practice, role) in staff)
        {
            db.StaffMemberships.Add(new StaffMembership { AccountId = account.Id, PracticeId = practice.Id, Role = role, StartedAt = now });
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (child, parent, _) in children)
        {
            var parentAccount = accounts.First(a => a.Account.PatientId == parent.Id).Account;
            await practices.GrantProxyAsync(parentAccount.Id, child.Id, ProxyReason.ParentOfChild,
                new DateTime(child.DateOfBirth.AddYears(16), TimeOnly.MinValue, DateTimeKind.Utc), cancellationToken);
        }
        await AddDocumentsAsync(sp, patients, staff, accounts.Select(a => a.Account).ToList(), cancellationToken);
        progress?.Report(85);
        await DemoPopulation.AddAsync(services, patientsWithoutAccounts, nhis,
            new Progress<double>(share => progress?.Report(85 + 10 * share)), cancellationToken);

        audit.Record(AuditAction.DemoDataSeeded,
            detail: patientsWithoutAccounts == 0 ? $"{accounts.Count} accounts" : $"{accounts.Count} accounts and {patientsWithoutAccounts} patients without one");
        await db.SaveChangesAsync(cancellationToken);
        await sp.GetRequiredService<AuditCheckpoints>().WriteHeadAsync(db, cancellationToken);
        progress?.Report(95);

        OwnerOnly.CreateDirectory(options.DataPath);
        var json = JsonSerializer.Serialize(accounts.Select(a => a.Entry), JsonFileOptions);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(options.DemoAccountsPath, fileOptions))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(json);
        }
        progress?.Report(100);
    }
}
