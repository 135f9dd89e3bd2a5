using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 5: the security analyst plants a decoy patient at a clinician's practice; no legitimate path leads
/// there, so the clinician's first touch of it (listing its documents) must contain them at once
/// (requestsBeforeContainment 0). The clinician then tries to open a decoy document and their own account page.
/// </summary>
internal static class Canary
{
    public static async Task<AttackReport> RunAsync(Bench bench, CancellationToken cancellationToken)
    {
        var clinician = bench.Accounts.First(DemoAccounts.Clinician);
        using var analyst = await Analyst.SignInAsync(bench, cancellationToken);
        var before = AlertFindings.Ids(await analyst.AlertsAsync(cancellationToken));
        using var reader = await bench.SignIn.AsAsync(clinician, Sources.PracticeNetwork(bench.Accounts.PracticeIndex(clinician), 202), cancellationToken);
        var me = (await reader.MeAsync(cancellationToken)).Value;
        var names = await reader.IdentifiersAsync(cancellationToken);
        var practiceId = me?.PracticeIds?.FirstOrDefault() ?? throw new BenchException($"GET /api/v1/me names no practice for {clinician}.");
        var canary = await analyst.PlantCanaryAsync(practiceId, cancellationToken)
            ?? throw new BenchException("POST /api/v1/security/canaries answered 404: this portal has no canaries, or does not know the clinician's practice.");
        Bench.Say($"canary: planted a decoy patient with {canary.DocumentIds.Count} documents at {clinician.Practice}; {clinician} touches it from {reader.Source}.");

        var report = new AttackReport { Scenario = "canary" };
        var startedAt = bench.Clock.Now;
        var watch = new ContainmentWatch();
        var statuses = new StatusCounts();
        var list = await reader.ListDocumentsAsync(canary.PatientId, cancellationToken);
        statuses.Add($"decoyList:{list.Status}");
        watch.Saw(list.Status);
        foreach (var documentId in canary.DocumentIds.Take(1))
        {
            var status = await reader.DownloadAsync(documentId, cancellationToken);
            statuses.Add($"decoyDocument:{status}");
            if (watch.Saw(status) == Phase.BeforeContainment && status == 200)
            {
                report.DocumentsRead++;
                report.ForeignDocumentsRead++;
            }
        }
        var after = await reader.MeAsync(cancellationToken);
        statuses.Add($"meAfter:{after.Status}");

        report.TakeFrom(watch);
        report.Statuses = statuses.Snapshot();
        var alerts = await analyst.AlertsNamingAsync(before, AlertFindings.Patience, names, cancellationToken);
        AlertFindings.Report(report, alerts, before, startedAt, simulated: false, names);
        return report;
    }
}
