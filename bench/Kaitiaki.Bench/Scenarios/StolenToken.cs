using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 6: a patient signs in at home (127.0.0.1) and uses the portal; a thief copies the bearer token and uses
/// it from another network (127.0.1.23, a different /24). The thief first reads the patient's own documents, which
/// the portal should only record, then probes a few other patients' document ids. Reports whether an alert names
/// the session, and when containment came.
/// </summary>
internal static class StolenToken
{
    public static async Task<AttackReport> RunAsync(Bench bench, int probes, CancellationToken cancellationToken)
    {
        var victim = bench.Accounts.First(DemoAccounts.Patient);
        using var analyst = await Analyst.SignInAsync(bench, cancellationToken);
        var before = AlertFindings.Ids(await analyst.AlertsAsync(cancellationToken));
        using var owner = await bench.SignIn.AsAsync(victim, Sources.Home, cancellationToken);
        var names = await owner.IdentifiersAsync(cancellationToken);
        var own = (await owner.ListDocumentsAsync(null, cancellationToken)).Value ?? [];
        foreach (var document in own)
        {
            await owner.DownloadAsync(document.Id, cancellationToken);
        }
        var known = await Knowledge.ForeignDocumentIdsAsync(bench, victim, probes, cancellationToken);

        using var thief = owner.StolenFrom(Sources.ThiefOfToken);
        Bench.Say($"stolen-token: {victim} signed in from {owner.Source}; the token is used from {thief.Source}.");
        var report = new AttackReport { Scenario = "stolen-token" };
        var startedAt = bench.Clock.Now;
        var watch = new ContainmentWatch();
        var statuses = new StatusCounts();
        var list = await thief.ListDocumentsAsync(null, cancellationToken);
        statuses.Add($"ownList:{list.Status}");
        watch.Saw(list.Status);
        foreach (var document in list.Value ?? [])
        {
            var status = await thief.DownloadAsync(document.Id, cancellationToken);
            statuses.Add($"ownDocument:{status}");
            if (watch.Saw(status) == Phase.BeforeContainment && status == 200)
            {
                report.DocumentsRead++;
            }
        }
        foreach (var id in known.Where(id => own.All(d => d.Id != id)))
        {
            if (watch.Contained)
            {
                break;
            }
            var status = await thief.DownloadAsync(id, cancellationToken);
            statuses.Add($"foreignDocument:{status}");
            watch.Saw(status);
            if (status == 200)
            {
                report.DocumentsRead++;
                report.ForeignDocumentsRead++;
            }
        }
        // And the patient, at home, after the theft: a revoked session answers them 401 too.
        var ownerAfter = await owner.ListDocumentsAsync(null, cancellationToken);
        statuses.Add($"ownerListAfter:{ownerAfter.Status}");

        report.TakeFrom(watch);
        report.Statuses = statuses.Snapshot();
        string[] naming = [.. names, thief.Source.ToString()];
        var alerts = await analyst.AlertsNamingAsync(before, AlertFindings.Patience, naming, cancellationToken);
        AlertFindings.Report(report, alerts, before, startedAt, simulated: false, naming);
        return report;
    }
}
