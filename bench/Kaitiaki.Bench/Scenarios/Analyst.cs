using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>The security analyst: reads alerts and plants canaries, from the security team's office.</summary>
internal sealed class Analyst : IDisposable
{
    private readonly Bench _bench;
    private PortalSession _session;

    private Analyst(Bench bench, PortalSession session)
    {
        _bench = bench;
        _session = session;
    }

    public static async Task<Analyst> SignInAsync(Bench bench, CancellationToken cancellationToken) =>
        new(bench, await bench.SignIn.AsAsync(bench.Accounts.First(DemoAccounts.SecurityAnalyst), Sources.Analyst, cancellationToken));

    /// <summary>
    /// The alerts, once one names any of <paramref name="identifiers"/> and was not among <paramref name="before"/>, or
    /// after <paramref name="patience"/> without one: the portal saves an alert just after its containment takes effect.
    /// </summary>
    public async Task<List<AlertItem>?> AlertsNamingAsync(IReadOnlySet<string> before, TimeSpan patience, string[] identifiers, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var alerts = await AlertsAsync(cancellationToken);
            if (alerts is null || AlertFindings.Naming(alerts, before, identifiers).Count > 0 || waited.Elapsed >= patience)
            {
                return alerts;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Every alert the portal holds (the newest 500), or null when it has no alerts API (404).</summary>
    public async Task<List<AlertItem>?> AlertsAsync(CancellationToken cancellationToken)
    {
        const string newest = "/api/v1/security/alerts?limit=500"; // the portal sends the newest 100 unless asked for more
        var answer = await _session.GetJsonAsync<List<AlertItem>>(newest, cancellationToken);
        if (answer.Status == 401)
        {
            // After a simulated day the morning's session has timed out; sign in again on the portal's time.
            _session.Dispose();
            _session = await _bench.SignIn.AsAsync(_bench.Accounts.First(DemoAccounts.SecurityAnalyst), Sources.Analyst, cancellationToken);
            answer = await _session.GetJsonAsync<List<AlertItem>>(newest, cancellationToken);
        }
        return answer.Status switch
        {
            404 => null,
            200 => answer.Value ?? [],
            _ => throw new BenchException($"GET /api/v1/security/alerts answered {answer.Status} to the security analyst."),
        };
    }

    /// <summary>Plants a decoy patient with documents at the practice, or null when the portal has no canary API (404).</summary>
    public async Task<CanaryAnswer?> PlantCanaryAsync(Guid practiceId, CancellationToken cancellationToken)
    {
        var answer = await _session.PostJsonAsync<CanaryAnswer>("/api/v1/security/canaries", new { practiceId }, cancellationToken);
        return answer.Status switch
        {
            404 => null,
            201 or 200 when answer.Value is not null => answer.Value,
            _ => throw new BenchException($"POST /api/v1/security/canaries answered {answer.Status} to the security analyst."),
        };
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>What the alerts say about one principal, for a report.</summary>
internal static class AlertFindings
{
    /// <summary>How long to wait for an expected alert to be saved after its containment took effect.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>Fills the alert fields of a report from the alerts that name any of the identifiers and were not there before.</summary>
    public static void Report(AttackReport report, List<AlertItem>? alerts, IReadOnlySet<string> before, DateTimeOffset startedAt, bool simulated,
        params string[] identifiers)
    {
        if (alerts is null)
        {
            report.AlertsApi = "absent";
            report.AlertRaised = false;
            return;
        }
        var naming = Naming(alerts, before, identifiers);
        report.AlertRaised = naming.Count > 0;
        report.AlertRules = naming.Select(a => a.Rule ?? "?").Distinct(StringComparer.Ordinal).ToList();
        if (naming.Count > 0)
        {
            // Portal time: with the benchmark clock it includes the simulated minutes.
            var after = naming[0].RaisedAtUtc - startedAt;
            if (simulated)
            {
                report.SimulatedMinutesToAlert = Math.Round(after.TotalMinutes, 1);
            }
            else
            {
                report.SecondsToAlert = Math.Round(after.TotalSeconds, 1);
            }
        }
    }

    /// <summary>The alerts raised since <paramref name="before"/> that name any of the identifiers, oldest first.</summary>
    public static List<AlertItem> Naming(List<AlertItem> alerts, IReadOnlySet<string> before, string[] identifiers) =>
        alerts.Where(a => !before.Contains(a.Id.ToString()) && a.Names(identifiers)).OrderBy(a => a.RaisedAtUtc).ToList();

    public static HashSet<string> Ids(List<AlertItem>? alerts) => (alerts ?? []).Select(a => a.Id.ToString()).ToHashSet(StringComparer.Ordinal);
}
