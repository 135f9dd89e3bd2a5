using System.Net;
using System.Text;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>Authenticator seeds are sealed under the master key: the database file alone holds none of them.</summary>
[Trait("Category", "Integration")]
public sealed class TotpSeedTests
{
    private static readonly DateOnly DateOfBirth = new(1991, 3, 2);

    [Fact]
    public async Task No_seed_is_readable_in_the_database_file_during_or_after_enrolment_and_sign_in_still_works()
    {
        if (TestPortal.OnPostgres)
        {
            return; // the file is SQLite's
        }
        await using var portal = await TestPortal.StartAsync();
        var email = $"seed-{Guid.NewGuid():N}@example.nz";
        var practice = await portal.CreatePracticeAsync();
        var code = (await portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(
            practice.Id, new NewPatient(TestPortal.NewTestNhi(), "Tama", "Test", DateOfBirth, email, null, ContactMethod.Email),
            invite: true, staffAccountId: null, CancellationToken.None))).ActivationCode!;
        const string password = "a long and private passphrase";

        // Half-way through activation the pending seed is in the database, sealed.
        var (invitation, pendingSeed) = await portal.WithScopeAsync(async sp =>
        {
            var invitations = sp.GetRequiredService<InvitationService>();
            var (found, _) = await invitations.VerifyAsync(email, code, DateOfBirth, CancellationToken.None);
            Assert.Empty(await invitations.ChoosePasswordAsync(found!, password, useEmailCodes: false, CancellationToken.None));
            return (found, sp.GetRequiredService<TotpSeeds>().Reveal(found!.PendingTotpSecret!, found.Id));
        });
        AssertNotInDatabaseFile(portal, pendingSeed);

        var account = await portal.WithScopeAsync(async sp =>
        {
            var invitations = sp.GetRequiredService<InvitationService>();
            var current = await invitations.FindVerifiedAsync(invitation!.Id, CancellationToken.None);
            var activated = await invitations.CompleteAsync(current!, Totp.Code(pendingSeed, Totp.StepAt(portal.Clock.GetUtcNow())), CancellationToken.None);
            return activated!.Account;
        });
        var user = new TestUser(account.Id, email, password, pendingSeed, account.PatientId, Roles.Patient);

        var me = await (await portal.SignInApiAsync(user)).GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        AssertNotInDatabaseFile(portal, pendingSeed);
    }

    [Fact]
    public async Task A_seed_left_in_plain_text_by_an_earlier_version_is_sealed_at_start_up()
    {
        await using var first = await TestPortal.StartAsync();
        var patient = await first.CreatePatientAsync(await first.CreatePracticeAsync());
        await first.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.Id == patient.AccountId)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.TotpSecret, patient.TotpSecret)));

        await using var portal = await first.RestartAsync();

        var stored = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.Id == patient.AccountId).Select(a => a.TotpSecret).SingleAsync());
        Assert.True(TotpSeeds.IsSealed(stored));
        Assert.DoesNotContain(patient.TotpSecret, stored, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await (await portal.SignInApiAsync(patient)).GetAsync("/api/v1/me")).StatusCode);
    }

    private static void AssertNotInDatabaseFile(TestPortal portal, string base32Seed)
    {
        SqliteConnection.ClearAllPools();
        var raw = Base32Decode(base32Seed);
        foreach (var file in Directory.GetFiles(portal.DataDirectory, "kaitiaki.db*"))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }
            Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(base32Seed)) >= 0, $"The seed is readable in {Path.GetFileName(file)} (base32).");
            Assert.False(bytes.AsSpan().IndexOf(raw) >= 0, $"The seed is readable in {Path.GetFileName(file)} (raw bytes).");
            Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToBase64String(raw))) >= 0, $"The seed is readable in {Path.GetFileName(file)} (base64).");
        }
    }

    private static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var output = new List<byte>();
        foreach (var c in text.TrimEnd('='))
        {
            value = (value << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(value >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. output];
    }
}
