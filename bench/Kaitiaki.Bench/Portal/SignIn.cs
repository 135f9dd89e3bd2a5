using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Kaitiaki.Bench.Portal;

/// <summary>How a sign-in went: a session, or the status the portal refused it with and at which step.</summary>
internal sealed record SignInOutcome(PortalSession? Session, int Status, string Step);

/// <summary>
/// Signs demo people in over the API (password, then an authenticator code), from the source address given. Codes
/// are made from the portal's time, and never reused: the portal takes each step's code once per account.
/// </summary>
internal sealed class SignIn(Uri portal, PortalClock clock)
{
    private readonly ConcurrentDictionary<string, long> _lastStep = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Signs in, or says why not in words (wrong credentials, the wrong portal, a refusal).</summary>
    public async Task<PortalSession> AsAsync(DemoAccount account, IPAddress source, CancellationToken cancellationToken, int connections = 2)
    {
        var outcome = await TryAsync(account, source, cancellationToken, connections);
        return outcome.Session ?? throw new BenchException(outcome switch
        {
            { Step: "password", Status: 401 } =>
                $"The portal refused the password of {account}. Is --accounts the demo-accounts.json of this portal's data folder?",
            { Step: "code", Status: 401 } =>
                $"The portal refused the authenticator code of {account}. Was the portal's benchmark clock moved by another run?",
            { Status: 429 } => $"Signing in {account} from {source} was rate-limited (429).",
            _ => $"Signing in {account} from {source} failed at the {outcome.Step} step with {outcome.Status}.",
        });
    }

    /// <summary>Signs in, or answers the refusal's status: for simulated people, whose refusals are results to count.</summary>
    public async Task<SignInOutcome> TryAsync(DemoAccount account, IPAddress source, CancellationToken cancellationToken, int connections = 2)
    {
        var http = PortalHttp.Create(portal, source, connections);
        PortalSession? session = null;
        try
        {
            using var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password }, Json.Options, cancellationToken);
            if (login.StatusCode != HttpStatusCode.OK)
            {
                return new SignInOutcome(null, (int)login.StatusCode, "password");
            }
            var challenge = await login.Content.ReadFromJsonAsync<LoginAnswer>(Json.Options, cancellationToken);
            if (challenge is null || !(challenge.Methods ?? []).Contains("totp", StringComparer.OrdinalIgnoreCase))
            {
                throw new BenchException($"The portal does not offer an authenticator code to {account}.");
            }
            var mfa = await SendCodeAsync(http, account, challenge.ChallengeId, cancellationToken);
            for (var retry = 0; retry < 2 && mfa.StatusCode == HttpStatusCode.Unauthorized; retry++)
            {
                // An earlier run may have used this step's code, or the next one's (the portal takes each once): a later step's
                // will do, after waiting for it if need be. Each refusal counts towards the account's lockout, so only twice.
                mfa.Dispose();
                mfa = await SendCodeAsync(http, account, challenge.ChallengeId, cancellationToken);
            }
            using var answer = mfa;
            if (mfa.StatusCode != HttpStatusCode.OK)
            {
                return new SignInOutcome(null, (int)mfa.StatusCode, "code");
            }
            var token = await mfa.Content.ReadFromJsonAsync<TokenAnswer>(Json.Options, cancellationToken);
            if (string.IsNullOrEmpty(token?.AccessToken))
            {
                throw new BenchException("The portal accepted the authenticator code but sent no access token.");
            }
            session = new PortalSession(http, token.AccessToken, account, source);
            return new SignInOutcome(session, 200, "done");
        }
        finally
        {
            if (session is null)
            {
                http.Dispose();
            }
        }
    }

    private async Task<HttpResponseMessage> SendCodeAsync(HttpClient http, DemoAccount account, Guid challengeId, CancellationToken cancellationToken)
    {
        var code = Totp.Code(account.TotpSecret, await NextStepAsync(account, cancellationToken));
        return await http.PostAsJsonAsync("/api/v1/auth/mfa", new { challengeId, method = "totp", code }, Json.Options, cancellationToken);
    }

    /// <summary>The portal's current step, or the one after it if this account used the current one already (it accepts one step either side).</summary>
    private async Task<long> NextStepAsync(DemoAccount account, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = Totp.StepAt(clock.Now);
            var last = _lastStep.GetOrAdd(account.Email, long.MinValue);
            var step = Math.Max(current, last + 1);
            if (step <= current + 1 && _lastStep.TryUpdate(account.Email, step, last))
            {
                return step;
            }
            if (step > current + 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private sealed class TokenAnswer
    {
        [JsonPropertyName("accessToken")]
        public string? AccessToken { get; init; }
    }
}
