using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>The invitation e-mail tells the person what to choose and what to type: it must name only what is really on the pages.</summary>
[Trait("Category", "Integration")]
public sealed partial class InvitationEmailTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task A_patients_invitation_names_the_home_pages_link_and_every_field_the_activation_page_asks_for()
    {
        var practice = await _portal.CreatePracticeAsync();
        var email = $"invited-{Guid.NewGuid():N}@example.nz";
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(TestPortal.NewTestNhi(), "Mere", "Parata", new DateOnly(1980, 5, 17), email, null, ContactMethod.Email),
            invite: true, null, CancellationToken.None));

        var body = await InvitationAsync(email);

        await AssertNamesOnlyWhatIsThereAsync(body);
        Assert.Contains("date of birth", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_staff_invitation_names_the_same_things_and_does_not_ask_for_a_date_of_birth()
    {
        var practice = await _portal.CreatePracticeAsync();
        var email = $"staff-{Guid.NewGuid():N}@example.nz";
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<InvitationService>()
            .InviteStaffAsync(email, "Anahera Pōtae", practice.Id, StaffRole.Clinician, null, CancellationToken.None));

        var body = await InvitationAsync(email);

        await AssertNamesOnlyWhatIsThereAsync(body);
        Assert.DoesNotContain("date of birth", body, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> InvitationAsync(string email)
    {
        await _portal.MailSentAsync();
        var body = await Outbox.LatestBodyToAsync(_portal.DataDirectory, email);
        Assert.NotEmpty(await Outbox.ActivationCodeAsync(_portal.DataDirectory, email));
        return body;
    }

    /// <summary>
    /// Every phrase the e-mail puts in quotation marks is a link or button on the home page, the one it tells the person
    /// to choose leads to the activation page, and the things it asks them to enter are that page's field labels.
    /// </summary>
    private async Task AssertNamesOnlyWhatIsThereAsync(string body)
    {
        var home = await _portal.NewClient().GetStringAsync("/");
        var activate = await _portal.NewClient().GetStringAsync("/account/activate");

        var quoted = Quoted().Matches(body).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("Activate your account", quoted);
        foreach (var phrase in quoted)
        {
            Assert.Matches($"<(a|button)[^>]*>\\s*{Regex.Escape(phrase)}\\s*</(a|button)>", home);
        }
        Assert.Contains("href=\"/account/activate\">Activate your account</a>", home, StringComparison.Ordinal);

        var labels = Label().Matches(activate).Select(m => m.Groups[1].Value.Trim().ToLowerInvariant()).ToHashSet();
        foreach (var field in new[] { "e-mail address", "activation code", "date of birth" })
        {
            Assert.Contains(field, labels);
        }
        var asked = Regex.Match(body, "enter your (.+?):", RegexOptions.Singleline);
        Assert.True(asked.Success, "The e-mail does not say what to enter.");
        foreach (var thing in Regex.Split(asked.Groups[1].Value, ", | and "))
        {
            var field = Regex.Replace(thing.Trim(), "^((your|this|and) )+", "").Trim();
            Assert.Contains(field, labels);
        }
    }

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex("<label class=\"govuk-label\" for=\"[^\"]+\">([^<]+)</label>")]
    private static partial Regex Label();
}
