using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

public sealed class AuthenticatorUriTests
{
    [Fact]
    public void Otpauth_uri_names_the_issuer_in_label_and_query_and_carries_the_secret()
    {
        var uri = Totp.OtpAuthUri(Totp.Issuer, "mere.parata@example.nz", "JBSWY3DPEHPK3PXP");

        Assert.Equal("otpauth://totp/Kaitiaki:mere.parata%40example.nz?secret=JBSWY3DPEHPK3PXP&issuer=Kaitiaki&digits=6&period=30", uri);
    }

    [Fact]
    public void Otpauth_uri_escapes_characters_that_would_break_the_label_or_query()
    {
        var uri = new Uri(Totp.OtpAuthUri("Kaitiaki Test", "a+b:c&d=e f@example.nz", "ABCDEFGH"));

        Assert.Equal("otpauth", uri.Scheme);
        Assert.Equal("/Kaitiaki%20Test:a%2Bb%3Ac%26d%3De%20f%40example.nz", uri.AbsolutePath);
        Assert.Equal("a+b:c&d=e f@example.nz", Uri.UnescapeDataString(uri.AbsolutePath.Split(':', 2)[1]));
        Assert.Equal("?secret=ABCDEFGH&issuer=Kaitiaki%20Test&digits=6&period=30", uri.Query);
    }

    [Fact]
    public void Key_for_typing_is_grouped_in_fours() =>
        Assert.Equal("JBSW Y3DP EHPK 3PXP ABCD EFGH IJKL MNOP", Totp.Grouped("JBSWY3DPEHPK3PXPABCDEFGHIJKLMNOP"));

    [Fact]
    public void Qr_code_is_svg_with_an_accessible_name_and_without_the_secret_as_text()
    {
        const string secret = "JBSWY3DPEHPK3PXPABCDEFGHIJKLMNOP";
        var svg = AuthenticatorQrCode.Svg(Totp.OtpAuthUri(Totp.Issuer, "mere@example.nz", secret));

        Assert.StartsWith("<svg role=\"img\" aria-label=\"QR code for your authenticator app\"", svg, StringComparison.Ordinal);
        Assert.EndsWith("</svg>", svg.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, svg);
        Assert.DoesNotContain("style", svg);
        Assert.Equal(svg, AuthenticatorQrCode.Svg(Totp.OtpAuthUri(Totp.Issuer, "mere@example.nz", secret)));
        Assert.NotEqual(svg, AuthenticatorQrCode.Svg(Totp.OtpAuthUri(Totp.Issuer, "mere@example.nz", "A" + secret[1..])));
    }
}

[Trait("Category", "Integration")]
public sealed partial class ActivationQrCodeTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private static readonly DateOnly DateOfBirth = new(1975, 3, 14);
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Activation_shows_the_qr_code_of_the_invitations_own_otpauth_uri_and_the_key_in_fours()
    {
        var email = $"invited-{Guid.NewGuid():N}@example.nz";
        var code = await InviteAsync(email);
        var browser = _portal.NewClient();

        var verify = await PostFormAsync(browser, "Verify", await FormTokenAsync(browser, "/account/activate"), new()
        {
            ["Email"] = email, ["Code"] = code, ["DateOfBirth"] = DateOfBirth.ToString("yyyy-MM-dd"),
        });
        var confirm = await PostFormAsync(browser, "Password", Token(verify), new()
        {
            ["Password"] = "kumara harbour lighthouse", ["ConfirmPassword"] = "kumara harbour lighthouse", ["UseEmailCodes"] = "false",
        });

        var secret = await _portal.WithScopeAsync(async sp =>
        {
            var invitation = await sp.GetRequiredService<KaitiakiDb>().Invitations.AsNoTracking().SingleAsync(i => i.Email == email);
            return sp.GetRequiredService<TotpSeeds>().Reveal(invitation.PendingTotpSecret!, invitation.Id);
        });
        Assert.Contains(AuthenticatorQrCode.Svg(Totp.OtpAuthUri("Kaitiaki", email, secret)), confirm);
        Assert.Contains($"id=\"totp-secret\">{Totp.Grouped(secret)}</p>", confirm);
        Assert.Contains("aria-label=\"QR code for your authenticator app\"", confirm);
    }

    private Task<string> InviteAsync(string email) =>
        _portal.WithScopeAsync(async sp =>
        {
            var practice = await _portal.CreatePracticeAsync();
            var registration = await sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
                new NewPatient(TestPortal.NewTestNhi(), "Mere", "Parata", DateOfBirth, email, null, ContactMethod.Email),
                invite: true, staffAccountId: null, CancellationToken.None);
            return registration.ActivationCode!;
        });

    private static async Task<string> FormTokenAsync(HttpClient browser, string path)
    {
        var page = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return Token(await page.Content.ReadAsStringAsync());
    }

    private static async Task<string> PostFormAsync(HttpClient browser, string handler, string token, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = token;
        var answer = await browser.PostAsync($"/account/activate?handler={handler}", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return await answer.Content.ReadAsStringAsync();
    }

    private static string Token(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
