using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Tests.Support;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class SessionTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Session_list_shows_the_current_session()
    {
        var patient = await NewPatientAsync();
        var client = await _portal.SignInApiAsync(patient);

        var sessions = await ListSessionsAsync(client);

        var current = Assert.Single(sessions);
        Assert.True(current.GetProperty("current").GetBoolean());
        Assert.Equal("api", current.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Revoked_second_session_is_refused_on_its_very_next_request()
    {
        var patient = await NewPatientAsync();
        var first = await _portal.SignInApiAsync(patient);
        var second = await _portal.SignInApiAsync(patient);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/me")).StatusCode);
        var secondId = CurrentSessionId(await ListSessionsAsync(second));

        var revoke = await first.DeleteAsync($"/api/v1/me/sessions/{secondId}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/v1/me")).StatusCode);
        var remaining = await ListSessionsAsync(first);
        Assert.DoesNotContain(remaining, s => s.GetProperty("id").GetGuid() == secondId);
    }

    [Fact]
    public async Task Revoking_another_accounts_session_answers_404_and_leaves_it_alive()
    {
        var practice = await _portal.CreatePracticeAsync();
        var mallory = await _portal.SignInApiAsync(await _portal.CreatePatientAsync(practice));
        var victim = await _portal.SignInApiAsync(await _portal.CreatePatientAsync(practice));
        var victimSessionId = CurrentSessionId(await ListSessionsAsync(victim));

        var revoke = await mallory.DeleteAsync($"/api/v1/me/sessions/{victimSessionId}");

        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_current_token()
    {
        var client = await _portal.SignInApiAsync(await NewPatientAsync());

        var logout = await client.PostAsync("/api/v1/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Session_unused_for_31_minutes_is_refused()
    {
        var client = await _portal.SignInApiAsync(await NewPatientAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me")).StatusCode);

        _portal.Clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    [Fact]
    public async Task Session_kept_busy_still_ends_after_12_hours()
    {
        var client = await _portal.SignInApiAsync(await NewPatientAsync());
        var elapsed = TimeSpan.Zero;
        var step = TimeSpan.FromMinutes(20);

        while (elapsed + step < TimeSpan.FromHours(12))
        {
            _portal.Clock.Advance(step);
            elapsed += step;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/me")).StatusCode);
        }
        _portal.Clock.Advance(step + TimeSpan.FromMinutes(1)); // past 12 hours, but well inside the idle limit

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/me")).StatusCode);
    }

    private async Task<TestUser> NewPatientAsync() => await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());

    private static async Task<List<JsonElement>> ListSessionsAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/v1/me/sessions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()];
    }

    private static Guid CurrentSessionId(List<JsonElement> sessions) =>
        Assert.Single(sessions, s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
}
