using System.Net;
using System.Net.Http.Json;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Accounts;

/// <summary>
/// A lockout pauses new sign-ins, and nothing else: it answers like a wrong password (so it tells nobody which addresses
/// have accounts), leaves live sessions alone (so nobody can log an owner out by guessing) and tells the owner once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LockoutTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Api_sign_in_answers_a_locked_account_exactly_like_an_unknown_address()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());

        var real = new List<(HttpStatusCode, string)>();
        var unknown = new List<(HttpStatusCode, string)>();
        for (var attempt = 0; attempt < 7; attempt++)
        {
            real.Add(await AnswerAsync(patient.Email, "not the password"));
            unknown.Add(await AnswerAsync("nobody-" + attempt + "@example.nz", "not the password"));
        }
        // Locked now: even the right password gets the same answer.
        var rightButLocked = await AnswerAsync(patient.Email, patient.Password);

        Assert.Equal(unknown, real);
        Assert.All(real, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Item1));
        Assert.Equal(unknown[0], rightButLocked);
    }

    [Fact]
    public async Task Web_sign_in_page_answers_a_locked_account_exactly_like_an_unknown_address()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var browser = _portal.NewClient();

        var real = new List<(HttpStatusCode, string?)>();
        var unknown = new List<(HttpStatusCode, string?)>();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            real.Add(await WebAnswerAsync(browser, patient.Email, "not the password"));
            unknown.Add(await WebAnswerAsync(browser, "nobody@example.nz", "not the password"));
        }
        var rightButLocked = await WebAnswerAsync(browser, patient.Email, patient.Password);

        Assert.Equal(unknown, real);
        Assert.All(real, a => Assert.Equal(HttpStatusCode.OK, a.Item1));
        Assert.NotNull(real[^1].Item2);
        Assert.Equal(unknown[0], rightButLocked);
    }

    [Fact]
    public async Task A_lockout_leaves_the_owners_live_sessions_working()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var api = await _portal.SignInApiAsync(patient);
        var web = await _portal.SignInWebAsync(patient);

        for (var attempt = 0; attempt < 6; attempt++)
        {
            await AnswerAsync(patient.Email, "not the password");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await AnswerAsync(patient.Email, patient.Password)).Item1);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/account/security")).StatusCode);
    }

    [Fact]
    public async Task The_owner_is_told_once_per_lockout_without_a_link()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());

        for (var attempt = 0; attempt < 9; attempt++)
        {
            await AnswerAsync(patient.Email, "not the password");
        }
        await _portal.MailSentAsync();

        var notices = await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email);
        var notice = Assert.Single(notices);
        Assert.Contains("paused", notice, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", notice, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("www.", notice, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(patient.Password, notice, StringComparison.Ordinal);

        // A second lockout, after the first has run out, is a second notice.
        // (Identity reads the system clock for lockouts, so the first one is ended in the database.)
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.Id == patient.AccountId)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.LockoutEnd, DateTimeOffset.UtcNow.AddMinutes(-1))));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await AnswerAsync(patient.Email, "not the password");
        }
        await _portal.MailSentAsync();
        Assert.Equal(2, (await Outbox.BodiesToAsync(_portal.DataDirectory, patient.Email)).Count);
    }

    private async Task<(HttpStatusCode, string)> AnswerAsync(string email, string password)
    {
        var response = await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        json.Remove("traceId");
        return (response.StatusCode, json.ToJsonString());
    }

    private static async Task<(HttpStatusCode, string?)> WebAnswerAsync(HttpClient browser, string email, string password)
    {
        var response = await WebForms.PostAsync(browser, "/account/login", new Dictionary<string, string> { ["Email"] = email, ["Password"] = password });
        return (response.StatusCode, await WebForms.ErrorSummaryAsync(response));
    }
}
