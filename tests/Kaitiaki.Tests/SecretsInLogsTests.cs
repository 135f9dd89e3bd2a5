using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class SecretsInLogsTests
{
    [Fact]
    public async Task Password_totp_code_and_access_token_never_reach_the_logs_or_the_audit_trail()
    {
        var logs = new CapturingLoggerProvider();
        await using var portal = await TestPortal.StartAsync(configure: builder =>
        {
            builder.Logging.AddProvider(logs);
            // Every level, from every category, whatever the settings files say.
            builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        });
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        const string mistypedPassword = "correct horse battery stapled";

        var wrong = await portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = mistypedPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var code = portal.NextTotp(patient);
        var mfa = await portal.PostMfaAsync(await portal.LoginAsync(patient), "totp", code);
        Assert.Equal(HttpStatusCode.OK, mfa.StatusCode);
        var token = (await mfa.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        var client = portal.BearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me/access-log")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode); // a refused token is logged too

        var logLines = logs.Lines.ToList();
        var auditValues = await portal.ReadAllValuesAsync("AuditEvents");
        Assert.True(logLines.Any(l => l.Contains("/api/v1/me", StringComparison.Ordinal)), "The capture saw none of the requests.");
        Assert.NotEmpty(auditValues);

        var secrets = new (string Name, string Value)[]
        {
            ("the password", patient.Password),
            ("the mistyped password", mistypedPassword),
            ("the access token", token),
            ("the authenticator secret", patient.TotpSecret),
        };
        foreach (var (name, value) in secrets)
        {
            Assert.False(logLines.Any(l => l.Contains(value, StringComparison.Ordinal)), $"A log line holds {name}.");
            Assert.False(auditValues.Any(v => v.Contains(value, StringComparison.Ordinal)), $"An audit event holds {name}.");
        }
        // Six digits turn up by chance inside ids, hashes and timestamps; a leaked code stands on its own.
        var standalone = new Regex($"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])");
        Assert.False(logLines.Any(standalone.IsMatch), "A log line holds the authenticator code.");
        Assert.False(auditValues.Any(standalone.IsMatch), "An audit event holds the authenticator code.");
    }
}
