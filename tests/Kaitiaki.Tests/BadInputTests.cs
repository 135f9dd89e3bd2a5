using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class BadInputTests : IAsyncLifetime
{
    private static readonly DateOnly DateOfBirth = new(1984, 2, 29);
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Theory]
    [InlineData("", "Enter an NHI")]
    [InlineData("ZAA006", "7 characters")]
    [InlineData("ZA10067", "3 letters")]            // a digit among the letters
    [InlineData("ZIA0067", "never uses I or O")]    // I is not an NHI letter
    [InlineData("ZAAA067", "4th and 5th")]          // old format: 4th character is a letter
    [InlineData("ZZZ0AAC", "4th and 5th")]          // new format: 5th character is a letter
    [InlineData("ZAA00I7", "6th character")]        // new format with I where its letter goes
    [InlineData("ZAA006A", "check digit")]          // old format ending in a letter
    [InlineData("ZZZ0044", "no remainder")]         // old format whose check sum cannot give a digit
    [InlineData("JBX3650", "check digit")]          // old format, wrong check digit
    [InlineData("ZZZ00A1", "check letter other than I or O")] // new format ending in a digit
    [InlineData("ZZZ00AI", "check letter other than I or O")] // new format ending in I
    [InlineData("ZZZ00AA", "check letter")]         // new format, wrong check letter
    [InlineData("ZHW58CZ", "check letter")]         // new format: Z is never a check letter
    public async Task Registering_a_patient_with_an_invalid_nhi_is_refused_and_leaves_nothing_behind(string nhi, string reason)
    {
        var practice = await _portal.CreatePracticeAsync();

        var error = await Assert.ThrowsAsync<ValidationFailedException>(() => RegisterAsync(practice, nhi, "someone@example.nz"));

        Assert.Equal("nhi", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((0, 0, 0), await CountPatientRowsAsync());
    }

    [Fact]
    public async Task Registering_the_same_patient_twice_at_one_practice_changes_nothing_and_stores_nothing_more()
    {
        var practice = await _portal.CreatePracticeAsync();
        var nhi = TestPortal.NewTestNhi();
        await RegisterAsync(practice, nhi, "twice@example.nz");

        // Not an error: the answer to staff must not tell whether these details match a registered patient.
        var again = await RegisterAsync(practice, nhi, "twice@example.nz");

        Assert.Equal(RegistrationOutcome.AlreadyEnrolled, again.Outcome);
        Assert.Null(again.NewPatient);
        Assert.Equal((1, 1, 1), await CountPatientRowsAsync());
    }

    [Fact]
    public async Task Expired_invitation_is_refused()
    {
        var (email, code) = await InvitePatientAsync();
        _portal.Clock.Advance(TimeSpan.FromDays(8));

        await AssertRefusedAsync(email, code, DateOfBirth, ActivationProblem.Expired, expectedFailures: 0);
    }

    [Fact]
    public async Task Used_invitation_is_refused()
    {
        var (email, code) = await InvitePatientAsync();
        await ActivateAsync(email, code);

        await AssertRefusedAsync(email, code, DateOfBirth, ActivationProblem.AlreadyUsed, expectedFailures: 0);
    }

    [Fact]
    public async Task Used_invitation_with_a_wrong_code_does_not_reveal_that_it_was_used()
    {
        var (email, code) = await InvitePatientAsync();
        await ActivateAsync(email, code);
        var wrongCode = code[..^1] + (code[^1] == 'A' ? 'B' : 'A');

        // "Already used" would tell anyone who types an e-mail address that its owner has a Kaitiaki account.
        await AssertRefusedAsync(email, wrongCode, DateOfBirth, ActivationProblem.CodeNotRecognised, expectedFailures: 1);
    }

    [Fact]
    public async Task Invitation_with_the_wrong_date_of_birth_is_refused()
    {
        var (email, code) = await InvitePatientAsync();

        await AssertRefusedAsync(email, code, DateOfBirth.AddDays(1), ActivationProblem.DateOfBirthMismatch, expectedFailures: 1);
    }

    [Fact]
    public async Task Invitation_with_the_wrong_code_is_refused()
    {
        var (email, code) = await InvitePatientAsync();
        var wrongCode = code[..^1] + (code[^1] == 'A' ? 'B' : 'A');

        await AssertRefusedAsync(email, wrongCode, DateOfBirth, ActivationProblem.CodeNotRecognised, expectedFailures: 1);
    }

    [Fact]
    public async Task Login_with_malformed_json_answers_400_saying_so()
    {
        var response = await _portal.Client.PostAsync("/api/v1/auth/login",
            new StringContent("{\"email\": \"someone@example.nz\", \"password\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mfa_without_a_challenge_id_answers_400()
    {
        var response = await _portal.Client.PostAsJsonAsync("/api/v1/auth/mfa", new { method = "totp", code = "123456" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("challengeId", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The answer is the expected problem, and the invitation is exactly as it was apart from its failure count.</summary>
    private async Task AssertRefusedAsync(string email, string code, DateOnly dateOfBirth, ActivationProblem expected, int expectedFailures)
    {
        var before = await InvitationSnapshotAsync(email);
        var accountsBefore = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.CountAsync());

        var (invitation, problem) = await _portal.WithScopeAsync(sp =>
            sp.GetRequiredService<InvitationService>().VerifyAsync(email, code, dateOfBirth, CancellationToken.None));

        Assert.Null(invitation);
        Assert.Equal(expected, problem);
        var after = await InvitationSnapshotAsync(email);
        Assert.Equal(before.FailedAttempts + expectedFailures, after.FailedAttempts);
        Assert.Equal(JsonSerializer.Serialize(before with { FailedAttempts = 0 }), JsonSerializer.Serialize(after with { FailedAttempts = 0 }));
        Assert.Equal(accountsBefore, await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.CountAsync()));
    }

    private sealed record InvitationState(
        Guid Id, DateTime ExpiresAt, DateTime? AcceptedAt, DateTime? CancelledAt, DateTime? VerifiedAt, int FailedAttempts,
        string? PendingPasswordHash, bool HasPendingTotpSecret, byte[]? PendingEmailCodeHash, byte[] CodeHash);

    private Task<InvitationState> InvitationSnapshotAsync(string email) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Invitations.AsNoTracking()
            .Where(i => i.Email == email)
            .Select(i => new InvitationState(i.Id, i.ExpiresAt, i.AcceptedAt, i.CancelledAt, i.VerifiedAt, i.FailedAttempts,
                i.PendingPasswordHash, i.PendingTotpSecret != null, i.PendingEmailCodeHash, i.CodeHash))
            .SingleAsync());

    /// <summary>Activates the invitation as its patient would: code and date of birth, a password, then an authenticator code.</summary>
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

    private async Task<(string Email, string Code)> InvitePatientAsync()
    {
        var email = $"invited-{Guid.NewGuid():N}@example.nz";
        var registration = await RegisterAsync(await _portal.CreatePracticeAsync(), TestPortal.NewTestNhi(), email);
        return (email, registration.ActivationCode!);
    }

    private Task<Registration> RegisterAsync(Practice practice, string nhi, string email) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(
            practice.Id,
            new NewPatient(nhi, "Aroha", "Test", DateOfBirth, email, null, ContactMethod.Email),
            invite: true, staffAccountId: null, CancellationToken.None));

    private Task<(int Patients, int Enrolments, int Invitations)> CountPatientRowsAsync() =>
        _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return (await db.Patients.CountAsync(), await db.Enrolments.CountAsync(), await db.Invitations.CountAsync());
        });
}
