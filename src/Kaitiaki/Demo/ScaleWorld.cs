using System.Diagnostics;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Demo;

/// <summary>
/// Generates a data set at a given scale for the breach-scope benchmark (rows only: documents have no content), with a
/// valid audit chain and signed checkpoints every <see cref="CheckpointEvery"/> events, so a scope verifies its window
/// as it would in production. Normal use (patients signing in, listing and reading their own documents, clinicians
/// reading their practice's patients') fills three months; the attack sits among it. Ids of people who never sign in
/// here (patients' and clinicians' accounts and sessions) appear in the trail only.
/// </summary>
internal sealed partial class ScaleWorld(KaitiakiDb db, AuditChain chain, AuditCheckpoints checkpoints, ScaleShape shape)
{
    public const string IncidentManagerEmail = "incident.manager@bench.kaitiaki.test";
    private const int Batch = 50_000;
    private const int CheckpointEvery = 100_000;
    private static readonly DateTime HistoryFrom = new(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime HistoryTo = new(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime AttackFrom = new(2026, 11, 18, 9, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime AttackTo = AttackFrom.AddHours(30);
    private static readonly DateOnly MovedOn = new(2026, 11, 25);
    private static readonly DateOnly LeftOn = new(2026, 11, 27);
    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
        "Kaitiaki/2.4 (iOS 18.5)",
    ];

    private readonly Random _random = new(shape.Seed);
    private Guid[] _practiceIds = [];
    private Guid[] _patientIds = [];
    private Guid[] _accountIds = [];
    private Guid[] _documentIds = [];
    private int[] _firstDocument = [];
    private short[] _practiceThen = [];
    private short[] _practiceNow = [];
    private long _sequence;
    private byte[]? _head;

    public async Task<ScaleSummary> GenerateAsync(IProgress<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (await db.Patients.AnyAsync(cancellationToken) || await db.AuditEvents.AnyAsync(cancellationToken))
        {
            throw new InvalidOperationException("Scale data goes into an empty database only; this one already holds patients or audit events.");
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        var finished = false;
        try
        {
            await PrepareAsync(cancellationToken);
            progress.Report("Practices and accounts");
            var attacker = await PeopleAsync(cancellationToken);
            Plan();
            var remake = new List<string>();
            remake.AddRange(await BulkRows.DropIndexesAsync<Patient>(db, cancellationToken));
            remake.AddRange(await BulkRows.DropIndexesAsync<Enrolment>(db, cancellationToken));
            remake.AddRange(await BulkRows.DropIndexesAsync<HealthDocument>(db, cancellationToken));
            remake.AddRange(await BulkRows.DropIndexesAsync<AuditEvent>(db, cancellationToken));
            progress.Report($"{shape.Patients:N0} patients");
            await BulkRows.WriteAsync(db, PatientRows(), cancellationToken);
            progress.Report("Enrolments, then and now");
            await BulkRows.WriteAsync(db, EnrolmentRows(), cancellationToken);
            progress.Report($"{shape.Documents:N0} documents");
            await BulkRows.WriteAsync(db, DocumentRows(), cancellationToken);
            var events = await AuditAsync(attacker, progress, cancellationToken);
            progress.Report("Building indexes");
            await BulkRows.RunAsync(db, remake, cancellationToken);
            await FinishAsync(cancellationToken);
            finished = true;
            var (practices, rows) = ExpectedPractices();
            var content = shape.ContentReads;
            return new ScaleSummary(shape, db.IsPostgres ? "postgres" : "sqlite", attacker, IncidentManagerEmail, AttackFrom, AttackTo, events,
                shape.Victims, content, shape.Victims * ScaleShape.DocumentsPerVictim - content, practices, rows,
                Math.Round(clock.Elapsed.TotalSeconds, 1), Process.GetCurrentProcess().PeakWorkingSet64);
        }
        finally
        {
            if (!finished)
            {
                await RestoreAsync();
            }
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// After a failed or cancelled load: the enrolment trigger back on and the access revision moved, so no remembered
    /// decision outlives what the load wrote before it stopped. Best effort: the load's own failure is what the caller hears.
    /// </summary>
    private async Task RestoreAsync()
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE \"AccessRevisions\" SET \"Value\" = \"Value\" + 1", CancellationToken.None);
            if (db.IsPostgres)
            {
                await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"Enrolments\" ENABLE TRIGGER USER", CancellationToken.None);
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = NORMAL", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            // The connection itself may be what failed; the database is a benchmark's, and no longer empty, so unusable anyway.
        }
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            // The enrolment trigger would move the access revision two million times in one transaction; it moves once at the end.
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"Enrolments\" DISABLE TRIGGER USER", cancellationToken);
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = OFF", cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size = -1000000", cancellationToken);
        }
    }

    private async Task FinishAsync(CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlRawAsync("UPDATE \"AccessRevisions\" SET \"Value\" = \"Value\" + 1", cancellationToken);
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE \"Enrolments\" ENABLE TRIGGER USER", cancellationToken);
            // What autovacuum would soon do on its own.
            await BulkRows.RunAsync(db, ["VACUUM ANALYZE"], cancellationToken);
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous = NORMAL", cancellationToken);
        }
    }

    private async Task<Guid> PeopleAsync(CancellationToken cancellationToken)
    {
        var now = HistoryFrom.AddDays(-30);
        _practiceIds = new Guid[shape.Practices];
        for (var p = 0; p < shape.Practices; p++)
        {
            var left = p >= shape.Practices - shape.LeftPractices;
            var practice = new Practice
            {
                Id = NextGuid(),
                Name = $"Bench Medical Centre {p + 1:D3}",
                HpiFacilityId = $"FZ{p + 1:D5}",
                Status = left ? PracticeStatus.Left : PracticeStatus.Active,
                LeftOn = left ? LeftOn : null,
                PrivacyContactName = $"Privacy Officer {p + 1:D3}",
                PrivacyContactEmail = $"privacy{p + 1:D3}@bench.kaitiaki.test",
            };
            _practiceIds[p] = practice.Id;
            db.Practices.Add(practice);
            var officer = Account(AccountKind.Staff, practice.PrivacyContactEmail, practice.PrivacyContactName, now);
            db.Users.Add(officer);
            db.StaffMemberships.Add(new StaffMembership { AccountId = officer.Id, PracticeId = practice.Id, Role = StaffRole.PrivacyOfficer, StartedAt = now });
        }
        var manager = Account(AccountKind.Operator, IncidentManagerEmail, "Bench Incident Manager", now, OperatorRole.IncidentManager);
        db.Users.Add(manager);
        // The stolen account is a patient's own: the attacker came in with one person's password.
        var attacker = Account(AccountKind.Patient, "stolen@bench.kaitiaki.test", "Stolen Account", now);
        db.Users.Add(attacker);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return attacker.Id;
    }

    private Account Account(AccountKind kind, string email, string name, DateTime createdAt, OperatorRole? operatorRole = null) => new Account
    {
        Id = NextGuid(),
        Kind = kind,
        DisplayName = name,
        UserName = email,
        NormalizedUserName = email.ToUpperInvariant(),
        Email = email,
        NormalizedEmail = email.ToUpperInvariant(),
        EmailConfirmed = true,
        CreatedAt = createdAt,
        OperatorRole = operatorRole,
    };

    /// <summary>Who is where, then and now, and who holds which documents: victims first, then decoys, then everyone else.</summary>
    private void Plan()
    {
        var patients = shape.Patients;
        _patientIds = new Guid[patients];
        _accountIds = new Guid[patients];
        _practiceThen = new short[patients];
        _practiceNow = new short[patients];
        var stayed = shape.Practices - shape.LeftPractices;
        for (var j = 0; j < patients; j++)
        {
            _patientIds[j] = NextGuid();
            _accountIds[j] = NextGuid();
            var then = (short)_random.Next(shape.Practices);
            _practiceThen[j] = then;
            var left = then >= stayed;
            var roll = _random.NextDouble();
            // After the attack 5 % moved practice; of the patients of practices that left, half enrolled elsewhere.
            _practiceNow[j] = left
                ? (roll < 0.5 ? (short)_random.Next(stayed) : (short)-1)
                : roll < 0.05 ? Other(then, stayed) : then;
        }
        _documentIds = new Guid[shape.Documents];
        for (var d = 0; d < _documentIds.Length; d++)
        {
            _documentIds[d] = NextGuid();
        }
        _firstDocument = new int[patients + 1];
        var special = shape.Victims + shape.Decoys;
        var rest = shape.Documents - special * ScaleShape.DocumentsPerVictim;
        var others = patients - special;
        var next = 0;
        for (var j = 0; j < patients; j++)
        {
            _firstDocument[j] = next;
            next += j < special ? ScaleShape.DocumentsPerVictim : rest / others + (j - special < rest % others ? 1 : 0);
        }
        _firstDocument[patients] = next;
    }

    private short Other(short practice, int stayed)
    {
        var other = (short)_random.Next(stayed - 1);
        return other >= practice ? (short)(other + 1) : other;
    }

    private (int Practices, long Rows) ExpectedPractices()
    {
        var seen = new HashSet<int>();
        long rows = 0;
        for (var j = 0; j < shape.Victims; j++)
        {
            seen.Add(_practiceThen[j]);
            rows++;
            if (_practiceNow[j] >= 0 && _practiceNow[j] != _practiceThen[j])
            {
                seen.Add(_practiceNow[j]);
                rows++;
            }
        }
        return (seen.Count, rows);
    }

    private IEnumerable<Patient> PatientRows()
    {
        var nhis = ScaleNhis.All().GetEnumerator();
        for (var j = 0; j < shape.Patients; j++)
        {
            if (!nhis.MoveNext())
            {
                throw new InvalidOperationException("The Z range of test NHIs has run out.");
            }
            yield return new Patient
            {
                Id = _patientIds[j],
                Nhi = nhis.Current,
                GivenName = GivenNames[j % GivenNames.Length],
                FamilyName = FamilyNames[j / GivenNames.Length % FamilyNames.Length],
                DateOfBirth = new DateOnly(1930, 1, 1).AddDays(j * 7919 % 32_000),
                Email = $"patient{j}@bench.kaitiaki.test",
                PreferredContact = ContactMethod.Email,
                IsDecoy = j >= shape.Victims && j < shape.Victims + shape.Decoys,
            };
        }
    }

    private IEnumerable<Enrolment> EnrolmentRows()
    {
        var start = new DateOnly(2015, 1, 1);
        for (var j = 0; j < shape.Patients; j++)
        {
            var then = _practiceThen[j];
            var now = _practiceNow[j];
            var ended = now != then ? (then >= shape.Practices - shape.LeftPractices ? LeftOn : MovedOn) : (DateOnly?)null;
            yield return new Enrolment { Id = NextGuid(), PatientId = _patientIds[j], PracticeId = _practiceIds[then], StartedOn = start.AddDays(j % 3000), EndedOn = ended };
            if (now >= 0 && now != then)
            {
                yield return new Enrolment { Id = NextGuid(), PatientId = _patientIds[j], PracticeId = _practiceIds[now], StartedOn = ended!.Value.AddDays(1) };
            }
        }
    }

    private IEnumerable<HealthDocument> DocumentRows()
    {
        var key = new byte[40];
        var sha = new byte[32];
        for (var j = 0; j < shape.Patients; j++)
        {
            for (var d = _firstDocument[j]; d < _firstDocument[j + 1]; d++)
            {
                yield return new HealthDocument
                {
                    Id = _documentIds[d],
                    PatientId = _patientIds[j],
                    PracticeId = _practiceIds[_practiceThen[j]],
                    Title = Titles[d % Titles.Length],
                    Category = "correspondence",
                    Source = DocumentSource.Practice,
                    ContentType = "application/pdf",
                    FileName = "letter.pdf",
                    SizeBytes = 120_000 + d % 400_000,
                    Sha256 = sha,
                    KekId = "bench",
                    WrappedKey = key,
                    BlobName = $"bench/{d}",
                    UploadedByAccountId = _accountIds[j],
                    UploadedAt = HistoryFrom.AddDays(-1 - d % 900),
                };
            }
        }
    }

    private Guid NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static readonly string[] GivenNames = ["Aroha", "James", "Mere", "Oliver", "Ana", "Wiremu", "Charlotte", "Hemi", "Isla", "Tane", "Sione", "Grace", "Mia", "Noah", "Priya", "Liam"];
    private static readonly string[] FamilyNames = ["Ngata", "Smith", "Williams", "Brown", "Tuhoe", "Wilson", "Taylor", "Patel", "Nguyen", "Walker", "Harris", "Martin", "Thompson", "Young", "King", "Lee", "Clark", "Wright", "Scott", "Green"];
    private static readonly string[] Titles = ["Letter from the practice", "Blood test results", "Discharge summary", "Referral to a specialist", "X-ray report", "Prescription summary"];
}
