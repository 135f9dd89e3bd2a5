using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 1: someone holding a patient's stolen login reads that patient's documents, then asks for other
/// patients' documents by id, real ids learnt elsewhere mixed with guesses. Every foreign read must be refused
/// (foreignDocumentsRead 0), and the share of denials is the mark the portal should contain the session by.
/// </summary>
internal static class Probe
{
    public static async Task<AttackReport> RunAsync(Bench bench, int probes, CancellationToken cancellationToken)
    {
        var victim = bench.Accounts.First(DemoAccounts.Patient);
        using var attacker = await bench.SignIn.AsAsync(victim, Sources.Attacker(1), cancellationToken);
        var own = (await attacker.ListDocumentsAsync(null, cancellationToken)).Value ?? [];
        var ownIds = own.Select(d => d.Id).ToHashSet();
        var known = await Knowledge.ForeignDocumentIdsAsync(bench, victim, Math.Min(probes, 40), cancellationToken);
        var random = new Random(1);
        var targets = known.Where(id => !ownIds.Contains(id))
            .Concat(Enumerable.Range(0, Math.Max(0, probes - known.Count)).Select(_ => NewGuid(random)))
            .OrderBy(_ => random.Next())
            .ToList();
        Bench.Say($"probe: signed in as {victim} from {attacker.Source}; {own.Count} own documents; probing {targets.Count} foreign ids.");

        var report = new AttackReport { Scenario = "probe" };
        var watch = new ContainmentWatch();
        foreach (var id in ownIds)
        {
            if (watch.Saw(await attacker.DownloadAsync(id, cancellationToken)) == Phase.BeforeContainment)
            {
                report.DocumentsRead++;
            }
        }
        var statuses = new StatusCounts();
        foreach (var id in targets)
        {
            if (watch.Contained)
            {
                break;
            }
            var status = await attacker.DownloadAsync(id, cancellationToken);
            statuses.Add(status);
            watch.Saw(status);
            if (status == 200)
            {
                report.DocumentsRead++;
                report.ForeignDocumentsRead++;
            }
        }
        report.TakeFrom(watch);
        // For this scenario the count that matters is how many refusals the portal let pass before it acted.
        report.RequestsBeforeContainment = watch.DenialsBeforeContainment;
        report.Denials = statuses[404];
        if (watch.Contained)
        {
            // Does it hold? The victim's own list, with the same token, should now be refused too.
            var after = await attacker.ListDocumentsAsync(null, cancellationToken);
            statuses.Add($"ownListAfterContainment:{after.Status}");
        }
        report.Statuses = statuses.Snapshot();
        return report;
    }

    private static Guid NewGuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
