using System.Net;
using Kaitiaki.Tests.Support;

namespace Kaitiaki.Tests.Accounts;

/// <summary>Changes to how an account is secured are told to its owner by e-mail, calmly and without a link.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityNoticeTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Theory]
    [InlineData("EmailCodes", "enable", "true", "new way to confirm")]
    [InlineData("RecoveryCodes", "password", null, "recovery codes")]
    [InlineData("RevokeAll", "unused", "", "signed out")]
    public async Task A_security_change_on_the_account_page_e_mails_the_owner_a_notice_without_a_link(string handler, string field, string? value, string expected)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var web = await _portal.SignInWebAsync(patient);

        var response = await WebForms.PostAsync(web, "/account/security", new Dictionary<string, string> { [field] = value ?? patient.Password }, handler);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, response.StatusCode.ToString());
        await _portal.MailSentAsync();

        var notice = Assert.Single(await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email));
        Assert.Contains(expected, notice, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", notice, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("www.", notice, StringComparison.OrdinalIgnoreCase);
    }
}
