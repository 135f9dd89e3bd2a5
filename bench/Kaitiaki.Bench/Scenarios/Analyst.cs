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

    /// <summary>Every alert the portal holds, or null when it has no alerts API (404).</summary>
    public async Task<List<AlertItem>?> AlertsAsync(CancellationToken cancellationToken)
    {
        var answer = await _session.GetJsonAsync<List<AlertItem>>("/api/v1/security/alerts", cancellationToken);
        if (answer.Status == 401)
        {
            // After a simulated day the morning's session has timed out; sign in again on the portal's time.
            _session.Dispose();
            _session = await _bench.SignIn.AsAsync(_bench.Accounts.First(DemoAccounts.SecurityAnalyst), Sources.Analyst, cancellationToken);
            answer = await _session.GetJsonAsync<List<AlertItem>>("/api/v1/security/alerts", cancellationToken);
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
        var naming = alerts.Where(a => !before.Contains(a.Id.ToString()) && a.Names(identifiers)).OrderBy(a => a.RaisedAt).ToList();
        report.AlertRaised = naming.Count > 0;
        report.AlertRules = naming.Select(a => a.Rule ?? "?").Distinct(StringComparer.Ordinal).ToList();
        if (naming.Count > 0)
        {
            // Portal time: with the benchmark clock it includes the simulated minutes.
            var after = naming[0].RaisedAt - startedAt;
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

    public static HashSet<string> Ids(List<AlertItem>? alerts) => (alerts ?? []).Select(a => a.Id.ToString()).ToHashSet(StringComparer.Ordinal);
}
