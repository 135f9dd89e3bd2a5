using System.Diagnostics;
using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>The one JSON line of a normal day. Every alert and every containment here is a false one.</summary>
internal sealed class NormalReport
{
    public string Scenario => "normal";
    public int Patients { get; init; }
    public int Clinicians { get; init; }
    public double Hours { get; init; }
    public int Requests { get; set; }
    public int FalseAlerts { get; set; }

    /// <summary>Alerts that came with containment actions, plus every 401, 403, 429 or 503 a legitimate person saw.</summary>
    public int FalseContainments { get; set; }

    public int ContainedResponses { get; set; }
    public int SignIns { get; set; }
    public int DocumentsRead { get; set; }

    /// <summary>404s on people's own or their practice's data: not containment, but not right either.</summary>
    public int Refusals { get; set; }

    public int Errors { get; set; }
    public IReadOnlyList<string>? AlertRules { get; set; }
    public string? AlertsApi { get; set; }
    public double RealSeconds { get; set; }
    public IReadOnlyDictionary<string, int>? Statuses { get; set; }
    public string? Note { get; set; }
}

/// <summary>
/// A working day of legitimate use on the portal's benchmark clock. Patients sign in from home, each from an address
/// (and a /24) of their own, list their documents and open one to three, sometimes one again. Clinicians work from
/// their practice's network through a day list of 25 to 40 of the practice's patients at human pace, with morning
/// tea, lunch and afternoon tea, signing in again when a break outlasts the session. Then the security analyst
/// counts the alerts.
/// </summary>
internal sealed class NormalDay
{
    private static readonly TimeSpan ResignAfter = TimeSpan.FromMinutes(28); // the portal's sessions idle out after 30
    private static readonly (double AtHour, int Minutes)[] Breaks = [(2.0, 15), (4.0, 40), (6.0, 15)];

    private readonly Bench _bench;
    private readonly SimulatedTime _time;
    private readonly TimeSpan _day;
    private readonly StatusCounts _statuses = new();
    private int _requests;
    private int _contained;
    private int _refusals;
    private int _signIns;
    private int _read;
    private int _withoutDayList;

    private NormalDay(Bench bench, double hours)
    {
        _bench = bench;
        _day = TimeSpan.FromHours(hours);
        _time = new SimulatedTime(bench.Clock, TimeSpan.FromSeconds(30));
    }

    public static async Task<NormalReport> RunAsync(Bench bench, int patients, int clinicians, double hours, CancellationToken cancellationToken)
    {
        var patientAccounts = bench.Accounts.InRole(DemoAccounts.Patient, DemoAccounts.Proxy).Take(patients).ToList();
        var clinicianAccounts = bench.Accounts.InRole(DemoAccounts.Clinician).Take(clinicians).ToList();
        if (patientAccounts.Count < patients || clinicianAccounts.Count < clinicians)
        {
            throw new BenchException($"The demo world has {patientAccounts.Count} patients and {clinicianAccounts.Count} clinicians with accounts; "
                + $"asked for {patients} and {clinicians} (seed it with --Kaitiaki:DemoPatients and --Kaitiaki:DemoClinicians).");
        }
        var day = new NormalDay(bench, hours);
        var elapsed = Stopwatch.StartNew();
        await bench.Clock.AdvanceAsync(TimeSpan.FromSeconds(1), cancellationToken); // checks the benchmark clock is on, and learns the portal's time
        using var analyst = await Analyst.SignInAsync(bench, cancellationToken);
        var before = AlertFindings.Ids(await analyst.AlertsAsync(cancellationToken));

        // Each person's own generator, seeded from one: Random's first draws from consecutive seeds are nearly in step.
        var seeds = new Random(2026);
        var scripts = new List<Func<Task>>();
        for (var i = 0; i < patientAccounts.Count; i++)
        {
            var (index, account, random) = (i, patientAccounts[i], new Random(seeds.Next()));
            scripts.Add(() => day.PatientAsync(index, account, random, cancellationToken));
        }
        var atPractice = new Dictionary<int, int>();
        for (var i = 0; i < clinicianAccounts.Count; i++)
        {
            var practice = bench.Accounts.PracticeIndex(clinicianAccounts[i]);
            var host = atPractice[practice] = atPractice.GetValueOrDefault(practice) + 1;
            var (account, random) = (clinicianAccounts[i], new Random(seeds.Next()));
            scripts.Add(() => day.ClinicianAsync(account, practice, host, random, cancellationToken));
        }
        Bench.Say($"normal: {patients} patients and {clinicians} clinicians, {hours} simulated hours.");
        await day._time.RunAsync(scripts, cancellationToken);

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken); // an alert is saved just after its containment takes effect
        var alerts = await analyst.AlertsAsync(cancellationToken);
        var raised = (alerts ?? []).Where(a => !before.Contains(a.Id.ToString())).ToList();
        foreach (var failure in day._time.Failures.Take(3))
        {
            Bench.Say($"normal: a simulated person failed: {failure.GetBaseException().Message}");
        }
        return new NormalReport
        {
            Patients = patients,
            Clinicians = clinicians,
            Hours = hours,
            Requests = day._requests,
            FalseAlerts = raised.Count,
            FalseContainments = raised.Count(a => a.HasActions) + day._contained,
            ContainedResponses = day._contained,
            SignIns = day._signIns,
            DocumentsRead = day._read,
            Refusals = day._refusals,
            Errors = day._time.Failures.Count,
            AlertRules = raised.Count > 0 ? raised.Select(a => a.Rule ?? "?").Distinct(StringComparer.Ordinal).ToList() : null,
            AlertsApi = alerts is null ? "absent" : null,
            RealSeconds = Math.Round(elapsed.Elapsed.TotalSeconds, 1),
            Statuses = day._statuses.Snapshot(),
            Note = day._withoutDayList > 0 ? $"{day._withoutDayList} clinicians had no day list (GET /api/v1/patients answered 404 or nothing)." : null,
        };
    }

    private async Task PatientAsync(int index, DemoAccount account, Random random, CancellationToken cancellationToken)
    {
        var at = TimeSpan.FromSeconds(random.Next(0, (int)Math.Max(60, (_day - TimeSpan.FromMinutes(20)).TotalSeconds)));
        await _time.UntilAsync(at);
        using var session = await SignInAsync("patient", account, Sources.Patient(index), cancellationToken);
        if (session is null)
        {
            return;
        }
        var list = await session.ListDocumentsAsync(null, cancellationToken);
        Saw("patient", list.Status);
        var documents = (list.Value ?? []).OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
        foreach (var document in documents)
        {
            at += TimeSpan.FromSeconds(random.Next(20, 120));
            await _time.UntilAsync(at);
            await ReadAsync("patient", session, document.Id, cancellationToken);
        }
        if (documents.Count > 0 && random.NextDouble() < 0.3)
        {
            // Back a few minutes later for another look.
            at += TimeSpan.FromMinutes(random.Next(2, 11));
            await _time.UntilAsync(at);
            await ReadAsync("patient", session, documents[0].Id, cancellationToken);
        }
    }

    private async Task ClinicianAsync(DemoAccount account, int practice, int host, Random random, CancellationToken cancellationToken)
    {
        var source = Sources.PracticeNetwork(practice, 10 + host);
        var at = TimeSpan.FromMinutes(random.Next(0, 15));
        await _time.UntilAsync(at);
        var session = await SignInAsync("clinician", account, source, cancellationToken);
        try
        {
            if (session is null)
            {
                return;
            }
            var dayList = await DayListAsync(session, host, random, cancellationToken);
            var last = at;
            foreach (var consult in ConsultTimes(at, dayList.Count, random).Zip(dayList))
            {
                at = consult.First;
                await _time.UntilAsync(at);
                if (at - last > ResignAfter)
                {
                    session.Dispose();
                    session = await SignInAsync("clinician", account, source, cancellationToken);
                    if (session is null)
                    {
                        return;
                    }
                }
                var list = await session.ListDocumentsAsync(consult.Second, cancellationToken);
                Saw("clinician", list.Status);
                foreach (var document in (list.Value ?? []).OrderBy(_ => random.Next()).Take(random.Next(1, 3)))
                {
                    at += TimeSpan.FromSeconds(random.Next(60, 240));
                    await _time.UntilAsync(at);
                    await ReadAsync("clinician", session, document.Id, cancellationToken);
                }
                last = at;
            }
        }
        finally
        {
            session?.Dispose();
        }
    }

    /// <summary>One page of the practice's patient list (different clinicians, different pages), and 25 to 40 of them for the day.</summary>
    private async Task<List<Guid>> DayListAsync(PortalSession session, int host, Random random, CancellationToken cancellationToken)
    {
        var wanted = (int)Math.Max(1, Math.Round(random.Next(25, 41) * Math.Min(1, _day.TotalHours / 8)));
        var page = 1 + host % 4;
        var answer = await session.PatientsPageAsync(page, cancellationToken);
        if (answer.Succeeded && answer.Value!.Count == 0 && page > 1)
        {
            answer = await session.PatientsPageAsync(1, cancellationToken);
        }
        // A portal without the patient list answers 404 here; the note says so, and it is no refusal of anyone's data.
        Saw("clinicianDayList", answer.Status, refusal: false);
        var patients = answer.Value ?? [];
        if (patients.Count == 0)
        {
            Interlocked.Increment(ref _withoutDayList);
        }
        return patients.Select(p => p.Id).OrderBy(_ => random.Next()).Take(wanted).ToList();
    }

    /// <summary>Consults spread evenly over the working hours left, breaks taken out, each at a slightly random moment of its slot.</summary>
    private IEnumerable<TimeSpan> ConsultTimes(TimeSpan start, int count, Random random)
    {
        var end = _day - TimeSpan.FromMinutes(15);
        var breaks = Breaks.Select(b => (At: TimeSpan.FromHours(b.AtHour), Length: TimeSpan.FromMinutes(b.Minutes)))
            .Where(b => b.At > start && b.At + b.Length < end).ToList();
        var working = end - start - breaks.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Length);
        if (count == 0 || working <= TimeSpan.Zero)
        {
            yield break;
        }
        var slot = working / count;
        for (var i = 0; i < count; i++)
        {
            var wall = start + slot * i + slot * (0.3 * random.NextDouble());
            foreach (var (at, length) in breaks)
            {
                if (wall >= at)
                {
                    wall += length;
                }
            }
            yield return wall;
        }
    }

    private async Task<PortalSession?> SignInAsync(string role, DemoAccount account, System.Net.IPAddress source, CancellationToken cancellationToken)
    {
        var outcome = await _bench.SignIn.TryAsync(account, source, cancellationToken);
        Interlocked.Add(ref _requests, outcome.Step == "password" ? 1 : 2);
        Interlocked.Increment(ref _signIns);
        _statuses.Add($"{role}SignIn:{outcome.Status}");
        if (ContainmentWatch.IsContainmentStatus(outcome.Status))
        {
            // Real credentials, so a 401 here is no typing mistake: a paused or suspended account answers like a wrong password.
            Interlocked.Increment(ref _contained);
        }
        else if (outcome.Session is null)
        {
            Interlocked.Increment(ref _refusals);
        }
        return outcome.Session;
    }

    private async Task ReadAsync(string role, PortalSession session, Guid documentId, CancellationToken cancellationToken)
    {
        var status = await session.DownloadAsync(documentId, cancellationToken);
        Saw(role, status);
        if (status == 200)
        {
            Interlocked.Increment(ref _read);
        }
    }

    private void Saw(string role, int status, bool refusal = true)
    {
        Interlocked.Increment(ref _requests);
        _statuses.Add($"{role}:{status}");
        if (ContainmentWatch.IsContainmentStatus(status))
        {
            Interlocked.Increment(ref _contained);
        }
        else if (status == 404 && refusal)
        {
            Interlocked.Increment(ref _refusals);
        }
    }
}
