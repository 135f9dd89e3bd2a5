using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Demo;

/// <summary>
/// How big a scale data set is, and its attack: one account lists every victim's documents and downloads most of them
/// (<see cref="ContentReads"/> in all), lists and reads a few decoys, and tries some ids it may not read.
/// </summary>
internal sealed record ScaleShape(
    int Practices, int LeftPractices, int Patients, int Documents, long AuditEvents, int Victims, int ContentReads, int Decoys, int DeniedProbes, int Seed)
{
    /// <summary>Each victim (and decoy) holds this many documents; the attacker downloads four or five of them.</summary>
    public const int DocumentsPerVictim = 5;

    /// <summary>ManageMyHealth's scale, and its December 2025 attack (about 428,000 documents of about 100,000 patients).</summary>
    public static ScaleShape ManageMyHealth => new(300, 6, 1_800_000, 2_500_000, 20_000_000, 100_000, 428_000, 20, 2_000, 2025);

    /// <summary>The attacker's events: a list per victim and decoy, the downloads, the decoys' documents and the refused probes.</summary>
    public long AttackEvents => Victims + Decoys + ContentReads + (long)Decoys * DocumentsPerVictim + DeniedProbes;

    public string? Problem() =>
        Practices < 2 || LeftPractices < 0 || LeftPractices >= Practices ? "There must be at least two practices, and fewer that left than there are."
        : Victims < 1 || Decoys < 0 || Patients < Victims + Decoys + 1 ? "There must be more patients than victims and decoys, and at least one victim."
        : ContentReads < 4L * Victims || ContentReads > 5L * Victims ? $"Content reads must be 4 to 5 times the victims ({4L * Victims} to {5L * Victims})."
        : Documents < (long)(Victims + Decoys) * DocumentsPerVictim ? $"There must be at least {(long)(Victims + Decoys) * DocumentsPerVictim} documents."
        : AuditEvents < AttackEvents + Patients / 10 ? $"There must be at least {AttackEvents + Patients / 10} audit events."
        : null;
}

/// <summary>What a scale data set holds, and what a scope of its attack must find: written beside it as bench-data.json.</summary>
internal sealed record ScaleSummary(
    ScaleShape Shape, string Provider, Guid AttackerAccountId, string IncidentManagerEmail, DateTime AttackFrom, DateTime AttackTo, long Events,
    int ExpectedPatients, int ExpectedContentDocuments, int ExpectedMetadataDocuments, int ExpectedPractices, long ExpectedPracticeRows,
    double Seconds, long PeakWorkingSetBytes)
{
    public const string FileName = "bench-data.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>
/// Generates a data set at a given scale for the breach-scope benchmark (rows only: documents have no content), with a
/// valid audit chain and signed checkpoints every <see cref="CheckpointEvery"/> events, so a scope verifies its window
/// as it would in production. Normal use (patients signing in, listing and reading their own documents, clinicians
/// reading their practice's patients') fills three months; the attack sits among it. Ids of people who never sign in
/// here (patients' and clinicians' accounts and sessions) appear in the trail only.
/// </summary>
internal sealed class ScaleWorld(KaitiakiDb db, AuditChain chain, AuditCheckpoints checkpoints, ScaleShape shape)
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
            var (practices, rows) = ExpectedPractices();
            var content = shape.ContentReads;
            return new ScaleSummary(shape, db.IsPostgres ? "postgres" : "sqlite", attacker, IncidentManagerEmail, AttackFrom, AttackTo, events,
                shape.Victims, content, shape.Victims * ScaleShape.DocumentsPerVictim - content, practices, rows,
                Math.Round(clock.Elapsed.TotalSeconds, 1), Process.GetCurrentProcess().PeakWorkingSet64);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
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
        var manager = Account(AccountKind.Operator, IncidentManagerEmail, "Bench Incident Manager", now);
        manager.OperatorRole = OperatorRole.IncidentManager;
        db.Users.Add(manager);
        // The stolen account is a patient's own: the attacker came in with one person's password.
        var attacker = Account(AccountKind.Patient, "stolen@bench.kaitiaki.test", "Stolen Account", now);
        db.Users.Add(attacker);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return attacker.Id;
    }

    private Account Account(AccountKind kind, string email, string name, DateTime createdAt) => new()
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

    /// <summary>The trail: normal use and the attack merged in time order, chained, loaded a batch at a time with a checkpoint every so often.</summary>
    private async Task<long> AuditAsync(Guid attacker, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var normal = shape.AuditEvents - shape.AttackEvents;
        using var ours = NormalUse(normal).GetEnumerator();
        using var theirs = Attack(attacker).GetEnumerator();
        var haveOurs = ours.MoveNext();
        var haveTheirs = theirs.MoveNext();
        var batch = new List<AuditEvent>(Batch);
        long written = 0;
        while (haveOurs || haveTheirs)
        {
            if (haveTheirs && (!haveOurs || theirs.Current.OccurredAt <= ours.Current.OccurredAt))
            {
                batch.Add(theirs.Current);
                haveTheirs = theirs.MoveNext();
            }
            else
            {
                batch.Add(ours.Current);
                haveOurs = ours.MoveNext();
            }
            if (batch.Count == Batch || !(haveOurs || haveTheirs))
            {
                chain.Link(batch, _sequence == 0 ? null : _sequence, _head);
                _sequence = batch[^1].Sequence;
                _head = batch[^1].Hash;
                await BulkRows.WriteAsync(db, batch, cancellationToken);
                written += batch.Count;
                if (_sequence % CheckpointEvery == 0 || !(haveOurs || haveTheirs))
                {
                    checkpoints.Write(_sequence, _head);
                }
                if (written % 1_000_000 == 0)
                {
                    progress.Report($"{written:N0} of {shape.AuditEvents:N0} audit events");
                }
                batch.Clear();
            }
        }
        return written;
    }

    private IEnumerable<AuditEvent> NormalUse(long count)
    {
        var span = (HistoryTo - HistoryFrom).Ticks;
        var clinicians = shape.Practices * 5;
        for (long i = 0; i < count; i++)
        {
            var at = HistoryFrom.AddTicks((long)((i + _random.NextDouble()) * span / count));
            var j = _random.Next(shape.Patients);
            var stamp = PracticeAt(j, at);
            var roll = _random.NextDouble();
            var e = Event(at);
            e.IpAddress = $"{100 + j % 100}.{j / 100 % 250}.{j / 25_000 % 250}.{1 + j % 200}";
            e.UserAgent = Agents[j % Agents.Length];
            if (roll < 0.72)
            {
                e.ActorAccountId = _accountIds[j];
                e.ActorRole = "patient";
                e.Client = j % 4 == 3 ? "api" : "web";
            }
            else
            {
                // A clinician of the patient's practice, from the practice's network.
                var clinician = (stamp ?? _practiceThen[j]) * 5 + _random.Next(5);
                e.ActorAccountId = ClinicianAccount(clinician % clinicians);
                e.ActorRole = "clinician";
                e.Client = "web";
                e.IpAddress = $"10.{clinician / 250 % 250}.{clinician % 250}.7";
            }
            var first = _firstDocument[j];
            var documents = _firstDocument[j + 1] - first;
            if (roll < 0.30)
            {
                e.Action = AuditAction.SignIn;
            }
            else if (roll < 0.55 || (roll < 0.98 && documents == 0))
            {
                e.Action = AuditAction.DocumentListed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Patient";
                e.ResourceId = _patientIds[j];
                e.Detail = $"{documents} documents";
                e.Items = AuditEvent.PackItems(new ArraySegment<Guid>(_documentIds, first, documents));
            }
            else if (roll < 0.98)
            {
                e.Action = roll < 0.80 ? AuditAction.DocumentDownloaded : roll < 0.88 ? AuditAction.DocumentMetadataViewed : AuditAction.DocumentPreviewed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Document";
                e.ResourceId = _documentIds[first + _random.Next(documents)];
                e.Bytes = e.Action == AuditAction.DocumentMetadataViewed ? null : 120_000 + _random.Next(400_000);
            }
            else
            {
                e.Action = AuditAction.PatientDetailsViewed;
                e.PatientId = _patientIds[j];
                e.PracticeId = stamp is { } p ? _practiceIds[p] : null;
                e.ResourceType = "Patient";
                e.ResourceId = _patientIds[j];
            }
            yield return e;
        }
    }

    /// <summary>Thirty hours of one account working through the victims: list, then download four or five of five; decoys too; some refused tries.</summary>
    private IEnumerable<AuditEvent> Attack(Guid attacker)
    {
        var session = NextGuid();
        var total = shape.AttackEvents;
        var step = (AttackTo - AttackFrom).Ticks / total;
        var at = AttackFrom;
        var fives = shape.ContentReads - 4 * shape.Victims;
        var probes = 0;
        var probeEvery = Math.Max(1, (shape.Victims + shape.Decoys) / Math.Max(1, shape.DeniedProbes));
        for (var j = 0; j < shape.Victims + shape.Decoys; j++)
        {
            var first = _firstDocument[j];
            var decoy = j >= shape.Victims;
            var read = decoy || j < fives ? ScaleShape.DocumentsPerVictim : 4;
            yield return Theirs(AuditAction.DocumentListed, j, "Patient", _patientIds[j],
                AuditEvent.PackItems(new ArraySegment<Guid>(_documentIds, first, ScaleShape.DocumentsPerVictim)), null);
            for (var k = 0; k < read; k++)
            {
                yield return Theirs(AuditAction.DocumentDownloaded, j, "Document", _documentIds[first + k], null, 120_000 + (first + k) % 400_000);
            }
            if (probes < shape.DeniedProbes && j % probeEvery == 0)
            {
                probes++;
                yield return Probe(j);
            }
        }
        while (probes < shape.DeniedProbes)
        {
            probes++;
            yield return Probe(0);
        }

        // An id the account may not read: refused, and nothing disclosed.
        AuditEvent Probe(int j)
        {
            var probe = Theirs(AuditAction.DocumentAccessDenied, j, "Document", NextGuid(), null, null);
            probe.Outcome = AuditOutcome.Denied;
            probe.PatientId = null;
            probe.PracticeId = null;
            probe.Detail = "not found";
            return probe;
        }

        AuditEvent Theirs(AuditAction action, int j, string type, Guid resource, byte[]? items, long? bytes)
        {
            at = at.AddTicks(step);
            var e = Event(at);
            e.Action = action;
            e.ActorAccountId = attacker;
            e.ActorRole = "patient";
            e.SessionId = session;
            e.Client = "api";
            e.IpAddress = "198.51.100.23";
            e.UserAgent = "python-requests/2.32.3";
            e.PatientId = _patientIds[j];
            e.PracticeId = _practiceIds[_practiceThen[j]];
            e.ResourceType = type;
            e.ResourceId = resource;
            e.Items = items;
            e.Bytes = bytes;
            e.Detail = items is null ? null : $"{ScaleShape.DocumentsPerVictim} documents";
            return e;
        }
    }

    private AuditEvent Event(DateTime at)
    {
        var trimmed = AuditEvent.TrimToMicroseconds(at);
        return new AuditEvent
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(trimmed)),
            OccurredAt = trimmed,
            Outcome = AuditOutcome.Success,
            SessionId = NextGuid(),
        };
    }

    /// <summary>The practice a patient was enrolled with at a time, as the ledger would have stamped it; null when none.</summary>
    private short? PracticeAt(int j, DateTime at)
    {
        var then = _practiceThen[j];
        var now = _practiceNow[j];
        if (now == then)
        {
            return then;
        }
        var changed = (then >= shape.Practices - shape.LeftPractices ? LeftOn : MovedOn).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return at < changed ? then : now >= 0 ? now : null;
    }

    private Guid ClinicianAccount(int clinician) => new(clinician, 0x6b61, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 1);

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

/// <summary>
/// The Z range of test NHIs, enough for 1.9 million people: every new-format number (ZAA00A plus its check letter, which
/// always exists), then every old-format one whose stem has a check digit.
/// </summary>
internal static class ScaleNhis
{
    private const string Letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";

    private static int Value(char letter) => Nhi.LetterValue(letter)!.Value;

    public static IEnumerable<string> All()
    {
        foreach (var second in Letters)
        {
            foreach (var third in Letters)
            {
                for (var digits = 0; digits < 100; digits++)
                {
                    foreach (var fifth in Letters)
                    {
                        // The check letter is the one whose value is 23 less the weighted sum modulo 23 (HISO 10046).
                        var sum = Value('Z') * 7 + Value(second) * 6 + Value(third) * 5 + digits / 10 * 4 + digits % 10 * 3 + Value(fifth) * 2;
                        var check = Letters[23 - sum % 23 - 1];
                        yield return $"Z{second}{third}{digits:D2}{fifth}{check}";
                    }
                }
            }
        }
        foreach (var second in Letters)
        {
            foreach (var third in Letters)
            {
                for (var digits = 0; digits < 1000; digits++)
                {
                    if (Nhi.CompleteOldFormat($"Z{second}{third}", digits) is { } nhi)
                    {
                        yield return nhi;
                    }
                }
            }
        }
    }
}
