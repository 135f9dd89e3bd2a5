using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Tests.Support;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
public sealed class ApiSignInTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Patient_signs_in_with_password_and_authenticator_code_and_sees_who_they_are()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);

        var login = await _portal.LoginAsync(patient);
        Assert.True(login.GetProperty("mfaRequired").GetBoolean());
        Assert.Contains("totp", login.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        var client = await _portal.SignInApiAsync(patient);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal(patient.AccountId, me.GetProperty("accountId").GetGuid());
        Assert.Equal(patient.PatientId, me.GetProperty("patientId").GetGuid());
        Assert.Contains("Patient", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Empty(me.GetProperty("practiceIds").EnumerateArray()); // practice ids are for staff
    }

    [Fact]
    public async Task Unknown_email_and_wrong_password_get_the_same_answer()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);

        var unknown = await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = "nobody@example.nz", password = "whatever password" });
        var wrong = await _portal.Client.PostAsJsonAsync("/api/v1/auth/login", new { email = patient.Email, password = "not the password" });

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(unknown), await WithoutTraceIdAsync(wrong));
        Assert.Equal(unknown.Content.Headers.ContentType, wrong.Content.Headers.ContentType);
    }

    // Every answer carries its own trace id; everything else must match.
    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        json.Remove("traceId");
        return json.ToJsonString();
    }
}
