using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Kaitiaki.Accounts;
using Kaitiaki.Notifications;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>What the webhook receives for each alert: ids, the rule and fixed text with numbers, never personal data.</summary>
internal sealed record AlertWebhookBody(
    Guid Id, string Rule, string Severity, string Principal, string RaisedAt, string Summary, bool Contained);

/// <summary>
/// Takes each new alert to the security team: an e-mail to every security analyst account and to
/// <c>Kaitiaki:Detection:AlertEmails</c>, through the outbox; and, when <c>WebhookUrl</c> is set, a signed
/// JSON POST. The webhook has a loop of its own, so a receiver that is down and being retried never holds up the e-mail.
/// Neither says anything about a person beyond the ids the alert already names.
/// </summary>
internal sealed class AlertSender : BackgroundService
{
    public const string SignatureHeader = "Kaitiaki-Signature";
    public static readonly TimeSpan[] Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15)];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly AlertFeed _feed;
    private readonly IServiceScopeFactory _scopes;
    private readonly DetectionOptions _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger<AlertSender> _logger;
    private readonly Channel<SecurityAlert> _webhook = Channel.CreateBounded<SecurityAlert>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    // One client of its own, not the factory's: the factory's handlers log each request's address, and a webhook
    // address often carries a token of its own in its path.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    public AlertSender(AlertFeed feed, IServiceScopeFactory scopes, KaitiakiOptions options, TimeProvider clock, ILogger<AlertSender> logger)
    {
        _feed = feed;
        _scopes = scopes;
        _settings = options.Detection;
        _clock = clock;
        _logger = logger;
    }

    private bool HasWebhook => !string.IsNullOrWhiteSpace(_settings.WebhookUrl);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var webhook = HasWebhook ? Task.Run(() => PostLoopAsync(stoppingToken), CancellationToken.None) : Task.CompletedTask;
        try
        {
            await foreach (var alert in _feed.Alerts.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await EmailAsync(alert, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError("A security alert could not be e-mailed ({Error}).", ex.GetType().Name);
                }
                if (HasWebhook)
                {
                    _webhook.Writer.TryWrite(alert);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _webhook.Writer.TryComplete();
        await webhook;
    }

    private async Task EmailAsync(SecurityAlert alert, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
        var analysts = await db.Users.AsNoTracking()
            .Where(a => a.Kind == AccountKind.Operator && a.OperatorRole == OperatorRole.SecurityAnalyst && a.Email != null)
            .Select(a => a.Email!).ToListAsync(cancellationToken);
        var recipients = analysts.Concat(_settings.AlertEmails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var values = EmailValues(alert);
        foreach (var to in recipients)
        {
            // One per alert and address: an alert read again after a restart is not e-mailed twice.
            await outbox.EmailAsync($"security-alert/{alert.Id}", to, "security-alert", values, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The alert e-mail's words: the rule, how urgent, when in New Zealand time, and where to look. No link to follow.</summary>
    public static Dictionary<string, string> EmailValues(SecurityAlert alert)
    {
        var severity = AlertWords.Severity(alert.Severity.ToString());
        return new Dictionary<string, string>
        {
            ["Rule"] = AlertWords.Rule(alert.Rule),
            ["Severity"] = severity,
            ["Urgency"] = severity.ToLowerInvariant(),
            ["When"] = NzTime.DateAndTime(alert.RaisedAt),
            ["Who"] = $"{AlertWords.Principal(alert.Principal)} ({alert.Principal})",
            ["Summary"] = alert.Summary,
            ["Contained"] = alert.Contained
                ? "Contained: yes. The detector acted at once; the console shows what it did, and any of it can be undone there."
                : "Contained: no. Nothing was done automatically; the console has one-click actions if something should be.",
            ["AlertId"] = alert.Id.ToString(),
        };
    }

    private async Task PostLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in _webhook.Reader.ReadAllAsync(stoppingToken))
            {
                await PostAsync(alert, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Posts one alert, trying again after a failure or an answer of 408, 429 or 5xx; a fresh signature each time.</summary>
    private async Task PostAsync(SecurityAlert alert, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new AlertWebhookBody(alert.Id, alert.Rule, alert.Severity.ToString().ToLowerInvariant(), alert.Principal,
            NzTime.Iso(alert.RaisedAt), alert.Summary, alert.Contained), Json);
        for (var attempt = 0; ; attempt++)
        {
            string outcome;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _settings.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_settings.WebhookSecret!, _clock.GetUtcNow().ToUnixTimeSeconds(), body));
                using var response = await _http.SendAsync(request, cancellationToken);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                outcome = $"answered {status}";
                if (status is not (408 or 429) && status < 500)
                {
                    _logger.LogError("The security alert webhook {Outcome}; the alert was not delivered to it.", outcome);
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                outcome = ex is TaskCanceledException ? "did not answer in time" : "could not be reached";
            }
            if (attempt >= Backoff.Length)
            {
                _logger.LogError("The security alert webhook {Outcome} after {Attempts} attempts; the alert was not delivered to it.", outcome, attempt + 1);
                return;
            }
            _logger.LogWarning("The security alert webhook {Outcome}; trying again.", outcome);
            await Task.Delay(Backoff[attempt], _clock, cancellationToken);
        }
    }

    /// <summary>
    /// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>: the receiver recomputes the HMAC over the time and
    /// the exact bytes it received, compares in constant time, and refuses a time too far from its own clock.
    /// </summary>
    public static string Sign(string secret, long unixSeconds, string body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
