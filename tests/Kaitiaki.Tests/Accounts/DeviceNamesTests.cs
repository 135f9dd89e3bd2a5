using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

public sealed class DeviceNamesTests
{
    private const string FirefoxOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0";

    [Theory]
    [InlineData(FirefoxOnWindows, "Firefox on Windows")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0", "Edge on Windows")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36", "Chrome on Mac")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1", "Safari on iPhone")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0", "Firefox on Linux")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0) Something/1.0", "Unknown browser on Windows")]
    public void Known_browsers_are_named_by_family_and_system(string userAgent, string expected) =>
        Assert.Equal(expected, UserAgentFamilies.Describe(userAgent));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Unknown device")]
    [InlineData("\u0001\u0002 garbage ;;; ((")]
    [InlineData("curl/8.5.0")]
    public void Empty_or_unrecognised_user_agents_read_unknown_browser(string? userAgent) =>
        Assert.Equal("Unknown browser", UserAgentFamilies.Describe(userAgent));

    [Theory]
    [InlineData("::1", "Local network")]
    [InlineData("127.0.0.1", "Local network")]
    [InlineData("::ffff:127.0.0.1", "Local network")]
    [InlineData("10.1.2.3", "Local network")]
    [InlineData("172.20.0.5", "Local network")]
    [InlineData("192.168.1.20", "Local network")]
    [InlineData("fe80::1", "Local network")]
    [InlineData("fd12:3456::1", "Local network")]
    [InlineData("203.0.113.7", "Internet address 203.0.113.7")]
    [InlineData("172.32.0.1", "Internet address 172.32.0.1")]
    [InlineData(null, "Unknown network")]
    [InlineData("not an address", "Unknown network")]
    public void Addresses_are_described_in_words(string? address, string expected) =>
        Assert.Equal(expected, NetworkNames.Describe(address));
}

[Trait("Category", "Integration")]
public sealed class SecurityPageDeviceTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Security_page_names_the_browser_and_system_and_never_shows_a_loopback_address()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        await NewSessionAsync(patient, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0", "::1");
        await NewSessionAsync(patient, "", "192.168.1.20");

        var page = await (await _portal.SignInWebAsync(patient)).GetAsync("/account/security");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Firefox on Windows", html);
        Assert.Contains("Unknown browser", html);
        Assert.Contains("Local network", html);
        Assert.DoesNotContain("::1", html);
        Assert.DoesNotContain("Gecko/20100101", html);
        Assert.DoesNotContain("192.168.1.20", html);
    }

    [Fact]
    public async Task The_raw_user_agent_and_address_stay_on_the_session_row()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        await NewSessionAsync(patient, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0", "::1");

        var session = await _portal.WithScopeAsync(sp => sp.GetRequiredService<Kaitiaki.Storage.KaitiakiDb>().Sessions
            .AsNoTracking().SingleAsync(s => s.AccountId == patient.AccountId));

        Assert.Equal("::1", session.IpAddress);
        Assert.Contains("Firefox/135.0", session.Device);
    }

    private Task<string> NewSessionAsync(TestUser user, string userAgent, string ip) =>
        _portal.WithScopeAsync(async sp =>
        {
            var account = await sp.GetRequiredService<Kaitiaki.Storage.KaitiakiDb>().Users.SingleAsync(a => a.Id == user.AccountId);
            var (_, token) = await sp.GetRequiredService<SessionStore>().CreateAsync(
                account, SessionKind.ApiToken, userAgent, ip, "totp", CancellationToken.None);
            return token!;
        });
}
