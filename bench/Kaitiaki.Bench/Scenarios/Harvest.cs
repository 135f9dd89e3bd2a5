using System.Threading.Channels;
using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 2: a clinician's account, taken over on a practice computer, pages through the practice's patients and
/// downloads every document of each as fast as it can over 16 connections. It sends from the practice's own network,
/// so only the volume and speed give it away. documentsRead counts downloads before the first containment.
/// </summary>
internal static class Harvest
{
    public const int Connections = 16;

    public static async Task<AttackReport> RunAsync(Bench bench, CancellationToken cancellationToken)
    {
        var clinician = bench.Accounts.First(DemoAccounts.Clinician);
        using var attacker = await bench.SignIn.AsAsync(clinician, Sources.PracticeNetwork(bench.Accounts.PracticeIndex(clinician), 200),
            cancellationToken, Connections);
        Bench.Say($"harvest: signed in as {clinician} from {attacker.Source}; {Connections} connections.");

        // If one worker fails, the rest stop too, and the pager is not left waiting on a channel nobody reads.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;
        var report = new AttackReport { Scenario = "harvest" };
        var watch = new ContainmentWatch();
        var statuses = new StatusCounts();
        var patients = Channel.CreateBounded<Guid>(new BoundedChannelOptions(4 * Connections) { SingleWriter = true });
        var touched = 0;
        var read = 0;
        var readAfter = 0;

        void Seen(int status)
        {
            statuses.Add(status);
            watch.Saw(status);
        }

        var pager = Task.Run(async () =>
        {
            try
            {
                for (var page = 1; !watch.Contained; page++)
                {
                    var answer = await attacker.PatientsPageAsync(page, token);
                    Seen(answer.Status);
                    if (page == 1 && answer.Status == 404)
                    {
                        throw new BenchException("GET /api/v1/patients answered 404 to a clinician: this portal has no patient list yet.");
                    }
                    if (!answer.Succeeded || answer.Value!.Count == 0)
                    {
                        break;
                    }
                    foreach (var patient in answer.Value)
                    {
                        await patients.Writer.WriteAsync(patient.Id, token);
                    }
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
            finally
            {
                patients.Writer.Complete();
            }
        }, token);

        var workers = Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            try
            {
                await HarvestAsync();
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, token)).ToList();

        async Task HarvestAsync()
        {
            await foreach (var patientId in patients.Reader.ReadAllAsync(token))
            {
                if (watch.Contained)
                {
                    continue; // drain, so the pager is never stuck on a full channel
                }
                Interlocked.Increment(ref touched);
                var list = await attacker.ListDocumentsAsync(patientId, token);
                Seen(list.Status);
                foreach (var document in list.Value ?? [])
                {
                    if (watch.Contained)
                    {
                        break;
                    }
                    var status = await attacker.DownloadAsync(document.Id, token);
                    var phase = watch.Saw(status);
                    statuses.Add(status);
                    if (status == 200 && phase == Phase.BeforeContainment)
                    {
                        Interlocked.Increment(ref read);
                    }
                    else if (status == 200)
                    {
                        Interlocked.Increment(ref readAfter);
                    }
                }
            }
        }

        await Task.WhenAll(workers.Append(pager));
        report.TakeFrom(watch);
        report.DocumentsRead = read;
        report.DocumentsReadAfterContainment = readAfter;
        report.PatientsTouched = touched;
        report.Statuses = statuses.Snapshot();
        return report;
    }
}
