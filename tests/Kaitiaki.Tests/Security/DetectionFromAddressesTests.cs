using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>
/// Rules about where requests come from, on a real loopback port: Linux routes all of 127.0.0.0/8 to this machine, so a
/// client bound to 127.0.3.1 is, to the portal, another network than one bound to 127.0.4.1.
/// </summary>
public sealed class DetectionFromAddressesTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    // Loopback is never blocked by default (a reverse proxy sits there); these tests are the clients on it.
    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync(kestrel: true,
        settings: new Dictionary<string, string> { ["Kaitiaki:Detection:NeverBlock"] = "none" });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Sign_ins_failing_for_many_accounts_from_one_address_block_it_and_nobody_else()
    {
        var attacker = From("127.0.3.1");
        var bystander = From("127.0.3.2");
        var practice = await _portal.CreatePracticeAsync();
        for (var i = 0; i < 5; i++)
        {
            // The right password (it leaked) and a guessed code.
            var user = await _portal.CreatePatientAsync(practice);
            var login = await (await attacker.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = user.Password }))
                .Content.ReadFromJsonAsync<JsonElement>();
            var mfa = await attacker.PostAsJsonAsync("/api/v1/auth/mfa",
                new { challengeId = login.GetProperty("challengeId").GetString(), method = "totp", code = "123456" });
            Assert.False(mfa.IsSuccessStatusCode);
        }
        // Sign-in failures reach the detector through the audit stream, a moment after they are committed.
        var blocked = false;
        for (var i = 0; i < 100 && !blocked; i++)
        {
            blocked = (await attacker.GetAsync("/health/live")).StatusCode == HttpStatusCode.Forbidden;
            await Task.Delay(50);
        }
        Assert.True(blocked);
        Assert.Equal(HttpStatusCode.OK, (await bystander.GetAsync("/health/live")).StatusCode);
        // The block takes effect first; the alert and its evidence are saved straight after.
        Kaitiaki.Security.SecurityAlert? alert = null;
        for (var i = 0; i < 100 && alert is null; i++)
        {
            alert = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
                .SingleOrDefaultAsync(a => a.Rule == "credential-stuffing"));
            await Task.Delay(50);
        }
        Assert.NotNull(alert);
        Assert.Equal("ip:127.0.3.1", alert.Principal);
        Assert.True(alert.Evidence.Length >= 16 * 10);
    }

    [Fact]
    public async Task A_token_used_from_another_network_is_recorded_then_contained_as_soon_as_it_also_probes()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var home = From("127.0.4.1");
        var login = await (await home.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = patient.Password }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var mfa = await home.PostAsJsonAsync("/api/v1/auth/mfa",
            new { challengeId = login.GetProperty("challengeId").GetString(), method = "totp", code = _portal.NextTotp(patient) });
        var token = (await mfa.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        var own = await TestPortal.UploadedIdAsync(Bearer(home, token), TestPortal.Pdf(4000));
        var (_, _, foreign) = await _portal.PatientWithDocumentsAsync(1);

        var stolen = Bearer(From("127.0.5.1"), token);
        Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents/{own}/content")).StatusCode);
        var moved = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
            .SingleAsync(a => a.AccountId == patient.AccountId));
        Assert.Equal("session-moved", moved.Rule);
        Assert.False(moved.Contained);

        // Half the usual limits now: the second refusal, not the fourth, asks for the second factor again.
        Assert.Equal(HttpStatusCode.NotFound, (await stolen.GetAsync($"/api/v1/documents/{foreign[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync($"/api/v1/documents/{foreign[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync($"/api/v1/documents/{own}/content")).StatusCode);
    }

    /// <summary>A client whose connections come from <paramref name="address"/>.</summary>
    private HttpClient From(string address)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(_portal.BaseUrl) };
    }

    private static HttpClient Bearer(HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
