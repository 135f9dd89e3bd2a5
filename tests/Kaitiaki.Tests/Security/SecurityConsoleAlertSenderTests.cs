using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Kaitiaki.Tests.Security;

/// <summary>Alerts reach the security team: by e-mail to every analyst and the configured addresses, and to a signed webhook.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityConsoleAlertSenderTests
{
    private const string Secret = "a webhook secret of forty characters ok!";

    [Fact]
    public async Task An_alert_is_emailed_to_every_analyst_and_the_team_address_and_posted_signed_to_the_webhook_after_a_retry()
    {
        var calls = new ConcurrentQueue<(string Signature, string Body, int Answer)>();
        await using var receiver = await StartReceiverAsync(calls, failFirst: 1);
        var team = "security-team@example.nz";
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kaitiaki:Detection:AlertEmails:0"] = team,
            ["Kaitiaki:Detection:WebhookUrl"] = $"{receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}/hook",
            ["Kaitiaki:Detection:WebhookSecret"] = Secret,
        });
        var analysts = new[] { await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst), await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst) };
        var support = await portal.CreateOperatorAsync(OperatorRole.SupportAgent);
        var practice = await portal.CreatePracticeAsync();
        var patient = await portal.CreatePatientAsync(practice);
        var token = await portal.SignInTokenAsync(patient);
        var api = portal.BearerClient(token);
        for (var i = 0; i < 4; i++)
        {
            await api.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var alert = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking().SingleAsync());

        foreach (var to in analysts.Select(a => a.Email).Append(team))
        {
            var message = await MessageToAsync(portal, to);
            Assert.Equal("Kaitiaki security alert (medium): Many of its requests refused", message.Subject);
            var body = message.TextBody;
            Assert.Contains("What: Many of its requests refused", body, StringComparison.Ordinal);
            Assert.Contains("How urgent: Medium", body, StringComparison.Ordinal);
            Assert.Contains($"When: {Kaitiaki.Web.NzTime.DateAndTime(alert.RaisedAt)}", body, StringComparison.Ordinal);
            Assert.Matches("NZ[DS]T", body);
            Assert.Contains($"Who: account {patient.AccountId.ToString("N")[..8]}", body, StringComparison.Ordinal);
            Assert.Contains(alert.Summary, body, StringComparison.Ordinal);
            Assert.Contains($"/operator/security/alerts/{alert.Id}", body, StringComparison.Ordinal);
            Assert.DoesNotContain("http", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(patient.Email, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Test Patient", body, StringComparison.Ordinal);
            Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        }
        Assert.Empty(await Outbox.BodiesToAsync(portal.DataDirectory, support.Email));

        var delivered = await EventuallyAsync(() => calls.Count >= 2 ? calls.ToArray() : null);
        Assert.Equal([503, 204], delivered.Select(c => c.Answer));
        var (signature, json, _) = delivered[1];
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(t, portal.Clock.GetUtcNow().ToUnixTimeSeconds() - 300, portal.Clock.GetUtcNow().ToUnixTimeSeconds() + 1);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{json}"));
        Assert.True(CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"])), "The signature does not verify.");
        Assert.NotEmpty(delivered[0].Signature);

        var posted = JsonDocument.Parse(json).RootElement;
        Assert.Equal(alert.Id, posted.GetProperty("id").GetGuid());
        Assert.Equal("probing-share", posted.GetProperty("rule").GetString());
        Assert.Equal("medium", posted.GetProperty("severity").GetString());
        Assert.Equal($"account:{patient.AccountId:N}", posted.GetProperty("principal").GetString());
        Assert.Equal(Kaitiaki.Web.NzTime.Iso(alert.RaisedAt), posted.GetProperty("raisedAt").GetString());
        Assert.Equal(alert.Summary, posted.GetProperty("summary").GetString());
        Assert.True(posted.GetProperty("contained").GetBoolean());
        Assert.Equal(7, posted.EnumerateObject().Count());
    }

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_time_a_dot_and_the_body()
    {
        var signature = AlertSender.Sign("key", 1_700_000_000, "{\"a\":1}");
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData("key"u8, "1700000000.{\"a\":1}"u8));
        Assert.Equal($"t=1700000000,v1={mac}", signature);
    }

    private static async Task<MimeMessage> MessageToAsync(TestPortal portal, string address) =>
        await EventuallyAsync(async () =>
        {
            var folder = Path.Combine(portal.DataDirectory, "outbox");
            if (!Directory.Exists(folder))
            {
                return null;
            }
            foreach (var file in Directory.GetFiles(folder, "*.eml"))
            {
                MimeMessage message;
                try
                {
                    message = await MimeMessage.LoadAsync(file);
                }
                catch (Exception ex) when (ex is FormatException or IOException)
                {
                    continue; // still being written
                }
                if (message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)))
                {
                    return message;
                }
            }
            return null;
        });

    private static Task<T> EventuallyAsync<T>(Func<T?> check) where T : class => EventuallyAsync(() => Task.FromResult(check()));

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> check) where T : class
    {
        for (var i = 0; i < 200; i++)
        {
            if (await check() is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("Nothing arrived within 20 seconds.");
    }

    /// <summary>A receiver on a loopback port that answers 503 the first <paramref name="failFirst"/> times, then 204.</summary>
    private static async Task<WebApplication> StartReceiverAsync(ConcurrentQueue<(string, string, int)> calls, int failFirst)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var answer = calls.Count < failFirst ? 503 : 204;
            calls.Enqueue((request.Headers[AlertSender.SignatureHeader].ToString(), body, answer));
            return Results.StatusCode(answer);
        });
        await app.StartAsync();
        return app;
    }
}
