using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 4: a clinician reads one document a minute, each of a different patient of the practice, for a
/// simulated working day (480 minutes by default): far below any speed limit, but no clinician sees hundreds of
/// patients in a day. Runs on the portal's benchmark clock. Afterwards the security analyst (signed in again on the
/// portal's time, since the morning's session has long timed out) looks for an alert naming the clinician.
/// </summary>
internal static class LowAndSlow
{
    public static async Task<AttackReport> RunAsync(Bench bench, int minutes, CancellationToken cancellationToken)
    {
        var clinician = bench.Accounts.First(DemoAccounts.Clinician);
        // A first small step checks the benchmark clock is there before anything else, and learns the portal's time.
        var startedAt = await bench.Clock.AdvanceAsync(TimeSpan.FromSeconds(1), cancellationToken);
        using var analyst = await Analyst.SignInAsync(bench, cancellationToken);
        var before = AlertFindings.Ids(await analyst.AlertsAsync(cancellationToken));
        using var reader = await bench.SignIn.AsAsync(clinician, Sources.PracticeNetwork(bench.Accounts.PracticeIndex(clinician), 201), cancellationToken);
        var names = await reader.IdentifiersAsync(cancellationToken);
        Bench.Say($"low-and-slow: {clinician} from {reader.Source}, one document a simulated minute for {minutes} minutes.");

        var report = new AttackReport { Scenario = "low-and-slow" };
        var watch = new ContainmentWatch();
        var statuses = new StatusCounts();
        var patients = new Queue<Guid>();
        var touched = new HashSet<Guid>();
        var page = 1;
        var minute = 0;
        while (minute < minutes && !watch.Contained)
        {
            if (patients.Count == 0)
            {
                // The next page of the practice's list only when it is needed, as a patient reader would.
                var answer = await reader.PatientsPageAsync(page, cancellationToken);
                statuses.Add(answer.Status);
                watch.Saw(answer.Status);
                if (answer.Status == 404 && page == 1)
                {
                    throw new BenchException("GET /api/v1/patients answered 404 to a clinician: this portal has no patient list yet.");
                }
                if (!answer.Succeeded)
                {
                    break;
                }
                if (answer.Value!.Count == 0)
                {
                    if (page == 1)
                    {
                        throw new BenchException($"{clinician}'s practice has no patients to read.");
                    }
                    page = 1; // past the end: start again from the top of the list
                    continue;
                }
                answer.Value.ForEach(p => patients.Enqueue(p.Id));
                page++;
            }
            await bench.Clock.AdvanceAsync(TimeSpan.FromSeconds(60), cancellationToken);
            minute++;
            var patientId = patients.Dequeue();
            var list = await reader.ListDocumentsAsync(patientId, cancellationToken);
            statuses.Add(list.Status);
            watch.Saw(list.Status);
            if (list.Value is not { Count: > 0 } documents)
            {
                continue;
            }
            touched.Add(patientId);
            var status = await reader.DownloadAsync(documents[minute % documents.Count].Id, cancellationToken);
            statuses.Add(status);
            if (watch.Saw(status) == Phase.BeforeContainment && status == 200)
            {
                report.DocumentsRead++;
            }
        }

        report.TakeFrom(watch);
        report.PatientsTouched = touched.Count;
        report.SimulatedMinutes = minute;
        if (watch.Contained)
        {
            report.SimulatedMinutesToContainment = minute;
        }
        report.Statuses = statuses.Snapshot();
        var alerts = await analyst.AlertsNamingAsync(before, AlertFindings.Patience, names, cancellationToken);
        AlertFindings.Report(report, alerts, before, startedAt, simulated: true, names);
        return report;
    }
}
