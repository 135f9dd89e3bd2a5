using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// Scenario 3: credential stuffing from one source. The attacker has a leak of real passwords for many accounts
/// (and some stale, wrong ones) but not their authenticator apps, so it answers every code challenge with a random
/// code. No account may fall (accountsCompromised 0). Contained means the source was blocked (403); the sign-in
/// rate limiter's 429 is counted separately, as rateLimited, because it slows the attacker without stopping it.
/// </summary>
internal static class Stuffing
{
    public static async Task<AttackReport> RunAsync(Bench bench, TimeSpan duration, CancellationToken cancellationToken)
    {
        var random = new Random(3);
        var leak = bench.Accounts.All
            .Select((account, i) => (account.Email, Password: i % 4 == 3 ? account.Password + "1" : account.Password))
            .OrderBy(_ => random.Next())
            .ToList();
        var source = Sources.Attacker(3);
        using var analyst = await Analyst.SignInAsync(bench, cancellationToken);
        var before = AlertFindings.Ids(await analyst.AlertsAsync(cancellationToken));
        using var http = PortalHttp.Create(bench.Portal, source, connections: 1);
        Bench.Say($"stuffing: {leak.Count} leaked e-mail and password pairs (a quarter wrong) from {source}, for up to {duration.TotalSeconds:0} s.");

        var report = new AttackReport { Scenario = "stuffing", AccountsCompromised = 0, SignInAttempts = 0, PasswordsAccepted = 0, RateLimited = 0, Blocked = 0 };
        // Only a block stops the attacker; a 401 is a wrong password or code and a 429 the rate limiter.
        var watch = new ContainmentWatch(status => status is 403 or 503);
        var statuses = new StatusCounts();
        var elapsed = Stopwatch.StartNew();
        var startedAt = bench.Clock.Now;
        var next = 0;

        async Task<HttpResponseMessage> PostAsync(string path, object body)
        {
            var response = await http.PostAsJsonAsync(path, body, Json.Options, cancellationToken);
            var status = (int)response.StatusCode;
            statuses.Add(status);
            watch.Saw(status);
            if (status == 429)
            {
                report.RateLimited++;
                report.SecondsToFirstRateLimit ??= Math.Round(elapsed.Elapsed.TotalSeconds, 3);
            }
            if (status == 403)
            {
                report.Blocked++;
            }
            return response;
        }

        var blockedChecks = 0;
        while (next < leak.Count && elapsed.Elapsed < duration && blockedChecks < 3)
        {
            var (email, password) = leak[next];
            report.SignInAttempts++;
            using var login = await PostAsync("/api/v1/auth/login", new { email, password });
            if (watch.Contained)
            {
                blockedChecks++; // a few more tries, to see that the block holds
                continue;
            }
            if (login.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // The same pair again once the limiter lets it, as a patient script would.
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                continue;
            }
            next++;
            if (login.StatusCode != HttpStatusCode.OK)
            {
                continue;
            }
            report.PasswordsAccepted++;
            var challenge = await login.Content.ReadFromJsonAsync<LoginAnswer>(Json.Options, cancellationToken);
            var guess = random.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            using var mfa = await PostAsync("/api/v1/auth/mfa", new { challengeId = challenge!.ChallengeId, method = "totp", code = guess });
            if (mfa.StatusCode == HttpStatusCode.OK)
            {
                report.AccountsCompromised++;
            }
        }

        report.TakeFrom(watch);
        report.CredentialsTried = next;
        report.Statuses = statuses.Snapshot();
        // A block names the address, or its /24 (written like network:127.66.3.0/24).
        var network = new System.Net.IPAddress([.. source.GetAddressBytes()[..3], 0]).ToString();
        string[] naming = [source.ToString(), network];
        var alerts = await analyst.AlertsNamingAsync(before, AlertFindings.Patience, naming, cancellationToken);
        AlertFindings.Report(report, alerts, before, startedAt, simulated: false, naming);
        report.Note = next < leak.Count && !watch.Contained ? $"Stopped after {duration.TotalSeconds:0} s with {leak.Count - next} pairs untried." : null;
        return report;
    }
}
