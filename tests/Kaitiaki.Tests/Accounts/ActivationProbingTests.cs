using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>
/// The activation page answers every address alike, invited, used or never invited; tries that do not match pause an
/// invitation for a while and are audited, but never use it up for the person it was meant for.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ActivationProbingTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private static readonly DateOnly DateOfBirth = new(1979, 8, 14);
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Wrong_codes_get_the_same_answer_for_invited_used_and_unknown_addresses()
    {
        var (invited, _) = await InviteAsync();
        var (used, usedCode) = await InviteAsync();
        await ActivateAsync(used, usedCode);
        var browser = _portal.NewClient();

        var answers = new Dictionary<string, List<(HttpStatusCode, string?)>> { ["invited"] = [], ["used"] = [], ["unknown"] = [] };
        for (var attempt = 0; attempt < 7; attempt++)
        {
            answers["invited"].Add(await VerifyAsync(browser, invited, "AAAA-BBBB-CCCC", DateOfBirth));
            answers["used"].Add(await VerifyAsync(browser, used, "AAAA-BBBB-CCCC", DateOfBirth));
            answers["unknown"].Add(await VerifyAsync(browser, "nobody@example.nz", "AAAA-BBBB-CCCC", DateOfBirth));
        }

        Assert.Equal(answers["unknown"], answers["invited"]);
        Assert.Equal(answers["unknown"], answers["used"]);
        Assert.All(answers["unknown"], a => Assert.Contains(InvitationService.NotMatched, a.Item2, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Five_tries_that_do_not_match_pause_the_invitation_without_using_it_up()
    {
        var (email, code) = await InviteAsync();
        var browser = _portal.NewClient();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await VerifyAsync(browser, email, "AAAA-BBBB-CCCC", DateOfBirth);
        }
        await VerifyAsync(browser, email, code, DateOfBirth.AddDays(1)); // the right code with the wrong date of birth counts too

        // Paused: even the right details get the same answer as a wrong code.
        Assert.Contains(InvitationService.NotMatched, (await VerifyAsync(browser, email, code, DateOfBirth)).Item2, StringComparison.Ordinal);
        var invitation = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations.AsNoTracking().SingleAsync(i => i.Email == email));
        Assert.Null(invitation.CancelledAt);
        Assert.Null(invitation.AcceptedAt);
        Assert.Equal(1, await CountAsync(invitation.Id, AuditAction.InvitationPaused));
        Assert.Equal(6, await CountAsync(invitation.Id, AuditAction.InvitationCodeChecked));

        _portal.Clock.Advance(InvitationService.PauseLength + TimeSpan.FromMinutes(1));

        var (status, error) = await VerifyAsync(browser, email, code, DateOfBirth);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(error);
    }

    [Fact]
    public async Task Each_pause_is_twice_as_long_as_the_one_before_so_dates_of_birth_cannot_be_worked_through()
    {
        var (email, code) = await InviteAsync();
        var browser = _portal.NewClient();
        var rest = InvitationService.PauseLength;
        for (var pause = 0; pause < 3; pause++)
        {
            // Someone who holds the code tries five dates of birth, and the invitation rests.
            for (var attempt = 0; attempt < InvitationService.MaxCodeAttempts; attempt++)
            {
                await VerifyAsync(browser, email, code, DateOfBirth.AddDays(attempt + 1 + pause * 10));
            }
            // Just before the rest is over, even the right details are not checked.
            _portal.Clock.Advance(rest - TimeSpan.FromMinutes(1));
            Assert.Contains(InvitationService.NotMatched, (await VerifyAsync(browser, email, code, DateOfBirth)).Item2, StringComparison.Ordinal);
            _portal.Clock.Advance(TimeSpan.FromMinutes(2));
            rest *= 2;
        }
        var invitation = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations.AsNoTracking().SingleAsync(i => i.Email == email));
        Assert.Equal(3, invitation.Pauses);
        Assert.Null(invitation.CancelledAt);
        // The person it was meant for still gets in.
        var (status, error) = await VerifyAsync(browser, email, code, DateOfBirth);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(error);
    }

    private static async Task<(HttpStatusCode, string?)> VerifyAsync(HttpClient browser, string email, string code, DateOnly dateOfBirth)
    {
        var response = await WebForms.PostAsync(browser, "/account/activate",
            new Dictionary<string, string> { ["Email"] = email, ["Code"] = code, ["DateOfBirth"] = dateOfBirth.ToString("yyyy-MM-dd") }, handler: "Verify");
        return (response.StatusCode, await WebForms.ErrorSummaryAsync(response));
    }

    private Task<int> CountAsync(Guid invitationId, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.CountAsync(e => e.ResourceId == invitationId && e.Action == action));

    private async Task<(string Email, string Code)> InviteAsync()
    {
        var email = $"invited-{Guid.NewGuid():N}@example.nz";
        var practice = await _portal.CreatePracticeAsync();
        var registration = await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(
            practice.Id, new NewPatient(TestPortal.NewTestNhi(), "Hemi", "Test", DateOfBirth, email, null, ContactMethod.Email),
            invite: true, staffAccountId: null, CancellationToken.None));
        return (email, registration.ActivationCode!);
    }

    private Task<InvitationService.Activated> ActivateAsync(string email, string code) =>
        _portal.WithScopeAsync(async sp =>
        {
            var invitations = sp.GetRequiredService<InvitationService>();
            var (invitation, problem) = await invitations.VerifyAsync(email, code, DateOfBirth, CancellationToken.None);
            Assert.Equal(ActivationProblem.None, problem);
            Assert.Empty(await invitations.ChoosePasswordAsync(invitation!, "a long and private passphrase", useEmailCodes: false, CancellationToken.None));
            var seed = sp.GetRequiredService<TotpSeeds>().Reveal(invitation!.PendingTotpSecret!, invitation.Id);
            var totp = Totp.Code(seed, Totp.StepAt(_portal.Clock.GetUtcNow()));
            return Assert.IsType<InvitationService.Activated>(await invitations.CompleteAsync(invitation, totp, CancellationToken.None));
        });
}
