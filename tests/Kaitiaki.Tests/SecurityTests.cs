using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class SecurityTests
{
    [Fact]
    public async Task Reused_totp_code_is_refused()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var code = portal.NextTotp(patient);

        var first = await portal.PostMfaAsync(await portal.LoginAsync(patient), "totp", code);
        var second = await portal.PostMfaAsync(await portal.LoginAsync(patient), "totp", code);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
    }

    [Fact]
    public async Task Same_totp_code_sent_at_once_on_several_sign_ins_works_only_once()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var logins = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
        {
            logins.Add(await portal.LoginAsync(patient));
        }
        var code = portal.NextTotp(patient);

        var answers = await Task.WhenAll(logins.Select(login => portal.PostMfaAsync(login, "totp", code)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
    }

    [Fact]
    public async Task Totp_code_from_two_steps_ago_is_refused()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        portal.NextTotp(patient);
        var stale = StaleCode(portal, patient);

        var response = await portal.PostMfaAsync(await portal.LoginAsync(patient), "totp", stale);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public async Task Totp_code_from_the_step_either_side_is_accepted(int offset)
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        portal.NextTotp(patient);
        var code = Totp.Code(patient.TotpSecret, Totp.StepAt(portal.Clock.GetUtcNow()) + offset);

        var response = await portal.PostMfaAsync(await portal.LoginAsync(patient), "totp", code);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Five_failures_of_either_kind_lock_the_account_even_against_the_right_password_and_code()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var wrong = new TestUser(patient.AccountId, patient.Email, "not the password at all", patient.TotpSecret, patient.PatientId, patient.Role);
        var wrongCode = WrongCode(portal, patient);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostLoginAsync(portal, wrong)).StatusCode);                    // 1
        var firstChallenge = await portal.LoginAsync(patient);
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.PostMfaAsync(firstChallenge, "totp", wrongCode)).StatusCode); // 2
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostLoginAsync(portal, wrong)).StatusCode);                    // 3
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.PostMfaAsync(firstChallenge, "totp", wrongCode)).StatusCode); // 4
        var earlierChallenge = await portal.LoginAsync(patient);
        var fifth = await PostLoginAsync(portal, wrong);                                                               // 5

        // Locked: every answer is the wrong-password or wrong-code answer, even to the right password and code.
        await AssertRefusedAsync(fifth);
        await AssertRefusedAsync(await PostLoginAsync(portal, patient));
        await AssertRefusedAsync(await portal.PostMfaAsync(earlierChallenge, "totp", portal.NextTotp(patient)));
    }

    [Fact]
    public async Task Wrong_codes_sent_at_once_all_count_towards_the_lockout()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var logins = new List<JsonElement>();
        for (var i = 0; i < 5; i++)
        {
            logins.Add(await portal.LoginAsync(patient));
        }
        var wrongCode = WrongCode(portal, patient);

        var answers = await Task.WhenAll(logins.Select(login => portal.PostMfaAsync(login, "totp", wrongCode)));

        await AssertRefusedAsync(await PostLoginAsync(portal, patient));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
    }

    [Fact]
    public async Task Passwords_are_stored_with_hmac_sha512_and_at_least_210000_iterations()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());

        var (prf, iterations) = ReadHashHeader(await StoredHashAsync(portal, patient));

        Assert.Equal(2u, prf); // KeyDerivationPrf.HMACSHA512
        Assert.True(iterations >= 210_000, $"The stored hash uses {iterations} iterations.");
    }

    [Fact]
    public async Task Weaker_password_hash_is_upgraded_at_the_next_sign_in()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var weakHasher = new PasswordHasher<Account>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 }));
        var weakHash = weakHasher.HashPassword(new Account { DisplayName = "probe" }, patient.Password);
        await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users
            .Where(a => a.Id == patient.AccountId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.PasswordHash, weakHash)));
        Assert.Equal(100_000u, ReadHashHeader(await StoredHashAsync(portal, patient)).Iterations);

        await portal.LoginAsync(patient);

        Assert.Equal(210_000u, ReadHashHeader(await StoredHashAsync(portal, patient)).Iterations);
        await portal.SignInApiAsync(patient); // the upgraded hash still takes the same password
    }

    [Fact]
    public async Task Recovery_codes_are_never_stored_in_plain_text()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());

        var codes = await AddRecoveryCodesAsync(portal, patient);

        Assert.Equal(10, codes.Count);
        var stored = await portal.ReadAllValuesAsync("RecoveryCodes");
        Assert.NotEmpty(stored);
        foreach (var code in codes)
        {
            var spellings = new[] { code, code.Replace("-", ""), code.Replace("-", " ") };
            Assert.False(stored.Any(value => spellings.Any(s => value.Contains(s, StringComparison.OrdinalIgnoreCase))),
                "A recovery code is stored in plain text.");
        }
    }

    [Fact]
    public async Task New_recovery_codes_replace_the_old_ones()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var oldCode = (await AddRecoveryCodesAsync(portal, patient))[0];

        var newCode = (await AddRecoveryCodesAsync(portal, patient))[0];

        var unused = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().RecoveryCodes
            .CountAsync(c => c.AccountId == patient.AccountId && c.UsedAt == null));
        Assert.Equal(10, unused);
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.PostMfaAsync(await portal.LoginAsync(patient), "recovery", oldCode)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await portal.PostMfaAsync(await portal.LoginAsync(patient), "recovery", newCode)).StatusCode);
    }

    [Fact]
    public async Task Recovery_code_signs_in_once_and_is_refused_the_second_time()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var code = (await AddRecoveryCodesAsync(portal, patient))[3];

        var login = await portal.LoginAsync(patient);
        Assert.Contains("recovery", login.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var first = await portal.PostMfaAsync(login, "recovery", code);
        // Typed loosely the second time: the normalised spelling must not make a used code good again.
        var second = await portal.PostMfaAsync(await portal.LoginAsync(patient), "recovery", code.Replace("-", "").ToLowerInvariant());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        var methods = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Sessions
            .Where(s => s.AccountId == patient.AccountId).Select(s => s.AuthMethod).ToListAsync());
        Assert.Equal(["recovery"], methods);
    }

    [Fact]
    public async Task Fourth_sign_in_attempt_within_a_minute_is_rate_limited()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:SignInAttemptsPerMinute"] = "3" });
        var nobody = new { email = "nobody@example.nz", password = "whatever password" };

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await portal.Client.PostAsJsonAsync("/api/v1/auth/login", nobody)).StatusCode);
        }
        var fourth = await portal.Client.PostAsJsonAsync("/api/v1/auth/login", nobody);

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Equal("application/problem+json", fourth.Content.Headers.ContentType?.MediaType);
        var problem = await fourth.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("too many attempts", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Api_answers_and_health_checks_carry_the_security_headers()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var client = await portal.SignInApiAsync(patient);

        var me = await client.GetAsync("/api/v1/me");
        var health = await portal.Client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        AssertSecurityHeaders(me);
        AssertSecurityHeaders(health);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(response.Headers.GetValues("Referrer-Policy"))));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("is not right", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    private static Task<HttpResponseMessage> PostLoginAsync(TestPortal portal, TestUser user) =>
        portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = user.Password });

    /// <summary>The code of two steps ago, moving the clock on in the rare case it equals a code that is still good.</summary>
    private static string StaleCode(TestPortal portal, TestUser user)
    {
        while (true)
        {
            var step = Totp.StepAt(portal.Clock.GetUtcNow());
            var stale = Totp.Code(user.TotpSecret, step - 2);
            if (!Enumerable.Range(-1, 3).Any(d => Totp.Code(user.TotpSecret, step + d) == stale))
            {
                return stale;
            }
            portal.Clock.Advance(TimeSpan.FromSeconds(Totp.StepSeconds));
        }
    }

    /// <summary>A six-digit code that is none of the codes accepted now or in the next few steps.</summary>
    private static string WrongCode(TestPortal portal, TestUser user)
    {
        var step = Totp.StepAt(portal.Clock.GetUtcNow());
        var good = Enumerable.Range(-1, 8).Select(d => Totp.Code(user.TotpSecret, step + d)).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !good.Contains(c));
    }

    private static Task<string> StoredHashAsync(TestPortal portal, TestUser user) =>
        portal.WithScopeAsync(async sp => (await sp.GetRequiredService<KaitiakiDb>().Users.AsNoTracking()
            .Where(a => a.Id == user.AccountId).Select(a => a.PasswordHash).SingleAsync())!);

    // Identity V3 format: 0x01, PRF (uint32 big-endian), iteration count (uint32 big-endian), salt length, salt, subkey.
    private static (uint Prf, uint Iterations) ReadHashHeader(string hash)
    {
        var bytes = Convert.FromBase64String(hash);
        Assert.Equal(0x01, bytes[0]);
        return (BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)));
    }

    private static Task<List<string>> AddRecoveryCodesAsync(TestPortal portal, TestUser user) =>
        portal.WithScopeAsync(async sp =>
        {
            var codes = sp.GetRequiredService<InvitationService>().AddRecoveryCodes(user.AccountId);
            await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
            return codes;
        });
}
