using System.Net;
using System.Net.Http.Headers;
using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>Faults found by trying the portal as a new user would, each pinned by a test.</summary>
[Trait("Category", "Integration")]
public sealed class PageFaultTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task An_unknown_address_is_a_page_for_a_browser_and_problem_details_for_the_api()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var browser = await _portal.SignInWebAsync(patient);
        using var page = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");

        var answer = await browser.SendAsync(page);

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
        var html = await answer.Content.ReadAsStringAsync();
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Contains("Signed in as", html, StringComparison.Ordinal);

        var api = await (await _portal.SignInApiAsync(patient)).GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_proxy_opens_the_home_and_access_log_of_the_person_they_act_for_and_nobody_elses()
    {
        var practice = await _portal.CreatePracticeAsync();
        var parent = await _portal.CreatePatientAsync(practice);
        var child = await _portal.CreatePatientAsync(practice, new DateOnly(2019, 2, 3));
        var stranger = await _portal.CreatePatientAsync(practice);
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .GrantProxyAsync(parent.AccountId, child.PatientId!.Value, ProxyReason.ParentOfChild, null, CancellationToken.None));
        var browser = await _portal.SignInWebAsync(parent);

        var home = await browser.GetAsync($"/patient?patientId={child.PatientId}");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var homeHtml = await home.Content.ReadAsStringAsync();
        Assert.Contains("acting for", homeHtml, StringComparison.Ordinal);
        Assert.Contains("3 February 2019", homeHtml, StringComparison.Ordinal);
        Assert.Contains($"/patient/access-log?patientId={child.PatientId}", homeHtml, StringComparison.Ordinal);
        // The parent's own home links to the child's.
        Assert.Contains($"/patient?patientId={child.PatientId}", await browser.GetStringAsync("/patient"), StringComparison.Ordinal);

        var log = await browser.GetAsync($"/patient/access-log?patientId={child.PatientId}");
        Assert.Equal(HttpStatusCode.OK, log.StatusCode);
        Assert.Contains("Who has looked at Test Patient&#x27;s records", await log.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Someone they do not act for answers exactly like nobody.
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/patient?patientId={stranger.PatientId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/patient/access-log?patientId={stranger.PatientId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/patient?patientId={Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Every_page_has_a_favicon_of_its_own()
    {
        var client = _portal.NewClient();
        Assert.Contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">", await client.GetStringAsync("/account/login"), StringComparison.Ordinal);
        var icon = await client.GetAsync("/favicon.svg");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_passkey_button_pressed_without_JavaScript_says_passkeys_need_it()
    {
        var answer = await WebForms.PostAsync(_portal.NewClient(), "/account/login", new Dictionary<string, string> { ["credential"] = "" }, handler: "Passkey");

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var summary = await WebForms.ErrorSummaryAsync(answer);
        Assert.Contains("Passkeys need JavaScript", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("didn't work", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Document_sizes_read_one_way()
    {
        Assert.Equal("905 bytes", Kaitiaki.Documents.DocumentSizes.Describe(905));
        Assert.Equal("1.4 KB", Kaitiaki.Documents.DocumentSizes.Describe(1_434));
        Assert.Equal("12 KB", Kaitiaki.Documents.DocumentSizes.Describe(12_288));
        Assert.Equal("2.3 MB", Kaitiaki.Documents.DocumentSizes.Describe(2_411_725));
    }
}
