using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

[Trait("Category", "Integration")]
public sealed class RecoveryCodeTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private const string Password = "kumara harbour lighthouse";
    private static readonly DateOnly DateOfBirth = new(1975, 3, 14);
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task A_newly_activated_account_has_ten_unused_recovery_codes()
    {
        var (activated, _) = await ActivateInvitedPatientAsync();

        var unused = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().RecoveryCodes
            .CountAsync(c => c.AccountId == activated.Account.Id && c.UsedAt == null));
        Assert.Equal(10, unused);
        Assert.Equal(10, activated.RecoveryCodes.Count);
    }

    [Fact]
    public async Task Security_page_counts_the_recovery_codes_an_activated_account_holds()
    {
        var (_, user) = await ActivateInvitedPatientAsync();

        var html = await SecurityPageAsync(user);

        Assert.Contains("<strong>10 left</strong>", html);
        Assert.Contains("Make new recovery codes", html);
    }

    [Fact]
    public async Task An_account_without_recovery_codes_is_told_so_plainly_and_offered_them()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());

        var html = await SecurityPageAsync(patient);

        Assert.Contains("<strong>none</strong>", html);
        Assert.Contains("You don&#x27;t have any recovery codes.", html);
        Assert.Contains(">Make recovery codes</button>", html);
    }

    [Fact]
    public async Task Every_demo_account_has_ten_recovery_codes_that_sign_it_in()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:DemoPatients"] = "10" });
        await Kaitiaki.Demo.DemoWorld.SeedAsync(portal.Services, null, CancellationToken.None);

        var accounts = System.Text.Json.JsonSerializer.Deserialize<List<Kaitiaki.Demo.DemoAccount>>(
            await File.ReadAllTextAsync(Path.Combine(portal.DataDirectory, "demo-accounts.json")),
            JsonOptions)!;
        var unusedByAccount = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().RecoveryCodes
            .Where(c => c.UsedAt == null).GroupBy(c => c.AccountId).Select(g => g.Count()).ToListAsync());
        Assert.Equal(accounts.Count, unusedByAccount.Count);
        Assert.All(unusedByAccount, n => Assert.Equal(10, n));
        Assert.All(accounts, a => Assert.Equal(10, a.RecoveryCodes.Count));
        var patient = accounts.First(a => a.Nhi is not null);
        var login = await portal.LoginAsync(new TestUser(Guid.Empty, patient.Email, patient.Password, patient.TotpSecret, null, patient.Role));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await portal.PostMfaAsync(login, "recovery", patient.RecoveryCodes[0])).StatusCode);
    }

    private async Task<string> SecurityPageAsync(TestUser user) =>
        await (await _portal.SignInWebAsync(user)).GetStringAsync("/account/security");

    private Task<(InvitationService.Activated Activated, TestUser User)> ActivateInvitedPatientAsync() =>
        _portal.WithScopeAsync(async sp =>
        {
            var email = $"invited-{Guid.NewGuid():N}@example.nz";
            var practice = await _portal.CreatePracticeAsync();
            var registration = await sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
                new NewPatient(TestPortal.NewTestNhi(), "Mere", "Parata", DateOfBirth, email, null, ContactMethod.Email),
                invite: true, staffAccountId: null, CancellationToken.None);
            var invitations = sp.GetRequiredService<InvitationService>();
            var (invitation, problem) = await invitations.VerifyAsync(email, registration.ActivationCode, DateOfBirth, CancellationToken.None);
            Assert.Equal(ActivationProblem.None, problem);
            Assert.Empty(await invitations.ChoosePasswordAsync(invitation!, Password, useEmailCodes: false, CancellationToken.None));
            var seed = sp.GetRequiredService<TotpSeeds>().Reveal(invitation!.PendingTotpSecret!, invitation.Id);
            var totp = Totp.Code(seed, Totp.StepAt(_portal.Clock.GetUtcNow()));
            var activated = Assert.IsType<InvitationService.Activated>(await invitations.CompleteAsync(invitation, totp, CancellationToken.None));
            return (activated, new TestUser(activated.Account.Id, email, Password, seed, activated.Account.PatientId, Roles.Patient));
        });
}
