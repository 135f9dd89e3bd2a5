using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>The security console's pages, as an analyst's browser without JavaScript uses them.</summary>
[Trait("Category", "Integration")]
public sealed class SecurityConsoleTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Only_security_analysts_may_open_the_console_or_ask_for_its_changes()
    {
        var practice = await _portal.CreatePracticeAsync();
        var others = new[]
        {
            await _portal.CreateOperatorAsync(OperatorRole.SupportAgent), await _portal.CreateOperatorAsync(OperatorRole.IncidentManager),
            await _portal.CreateStaffAsync(practice, StaffRole.Clinician), await _portal.CreatePatientAsync(practice),
        };
        string[] pages = ["/operator/security", "/operator/security/actions", "/operator/security/switches", "/operator/security/remediation",
            $"/operator/security/alerts/{Guid.NewGuid()}", "/operator/security/changes?since=0", $"/operator/security/remediation/{Guid.NewGuid()}"];
        foreach (var user in others)
        {
            var client = await _portal.SignInWebAsync(user);
            foreach (var page in pages)
            {
                var response = await client.GetAsync(page);
                Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath == "/account/denied",
                    $"{user.Role} at {page}: {response.StatusCode} {response.Headers.Location}");
            }
        }
        var anonymous = _portal.NewClient();
        Assert.Equal("/account/login", (await anonymous.GetAsync("/operator/security")).Headers.Location!.AbsolutePath);
        // The API's bearer tokens do not open the console's cookie pages.
        var analystApi = await _portal.SignInApiAsync(await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst));
        Assert.Equal(HttpStatusCode.Redirect, (await analystApi.GetAsync("/operator/security/changes?since=0")).StatusCode);
    }

    [Fact]
    public async Task An_alert_shows_on_the_console_in_words_with_its_evidence_and_the_reads_are_audited()
    {
        var (analystUser, analyst) = await AnalystAsync();
        var (_, alert) = await ProbingPatientAsync();

        var home = await PageAsync(analyst, "/operator/security");
        Assert.Contains($"data-alert-id=\"{alert.Id}\"", home, StringComparison.Ordinal);
        Assert.Contains("Many of its requests refused", home, StringComparison.Ordinal);
        Assert.Contains("govuk-tag govuk-tag--orange\">Medium<", home, StringComparison.Ordinal);
        Assert.Contains("Asked the session for its second factor again", home, StringComparison.Ordinal);
        Assert.Contains("In force", home, StringComparison.Ordinal);
        Assert.Contains("NZ", home, StringComparison.Ordinal);
        Assert.Contains("<a class=\"govuk-link\" href=\"/operator/security\" id=\"refresh\">Refresh</a>", home, StringComparison.Ordinal);

        var page = await PageAsync(analyst, $"/operator/security/alerts/{alert.Id}");
        Assert.Contains("Asked for a document and was refused", page, StringComparison.Ordinal);
        Assert.Contains("Refused", page, StringComparison.Ordinal);
        Assert.Contains(">Patient<", page, StringComparison.Ordinal);
        Assert.Contains("audit events that led to it", page, StringComparison.Ordinal);
        Assert.Contains("Account of Test Patient (patient, ", page, StringComparison.Ordinal);
        Assert.Contains("Suspend this account", page, StringComparison.Ordinal);
        Assert.Contains("End this session", page, StringComparison.Ordinal);
        Assert.Contains($"/operator/audit?actor={alert.AccountId:N}", page, StringComparison.Ordinal);

        var viewed = await EventsAsync(analystUser.AccountId, AuditAction.SecurityConsoleViewed);
        Assert.Contains(viewed, e => e.Detail!.StartsWith("alerts;", StringComparison.Ordinal));
        Assert.Contains(viewed, e => e.ResourceId == alert.Id && e.Detail!.StartsWith("alert; ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task One_click_actions_from_an_alert_suspend_the_account_and_undo_twice_changes_nothing_the_second_time()
    {
        var (_, analyst) = await AnalystAsync();
        var (patientApi, alert) = await ProbingPatientAsync();

        var suspend = await WebForms.PostAsync(analyst, $"/operator/security/alerts/{alert.Id}", new Dictionary<string, string> { ["kind"] = "suspend-account" }, "Take");
        Assert.Equal(HttpStatusCode.Redirect, suspend.StatusCode);
        Assert.Equal($"/operator/security/alerts/{alert.Id}?done=suspended", suspend.Headers.Location!.OriginalString);
        var refused = await patientApi.GetAsync("/api/v1/me");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Your account is paused", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var page = await PageAsync(analyst, suspend.Headers.Location.OriginalString);
        Assert.Contains("The account is suspended", page, StringComparison.Ordinal);
        Assert.DoesNotContain(">Suspend this account<", page, StringComparison.Ordinal);

        var suspension = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions
            .SingleAsync(a => a.AlertId == alert.Id && a.Kind == ContainmentKind.SuspendAccount));
        Assert.NotNull(suspension.AppliedBy);
        var fields = new Dictionary<string, string> { ["action"] = suspension.Id.ToString() };
        var undo = await WebForms.PostAsync(analyst, "/operator/security/actions", fields, "Undo");
        Assert.Equal("/operator/security/actions?done=undone", undo.Headers.Location!.OriginalString);
        var again = await WebForms.PostAsync(analyst, "/operator/security/actions", fields, "Undo");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var summary = WebUtility.HtmlDecode(await WebForms.ErrorSummaryAsync(again));
        Assert.Contains("Already undone", summary, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", summary, StringComparison.Ordinal);
        Assert.Contains("NZ", summary, StringComparison.Ordinal);
        var undone = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.Action == AuditAction.ContainmentUndone && e.ResourceId == suspension.Id));
        Assert.Equal(1, undone);
    }

    [Fact]
    public async Task A_malformed_network_is_named_in_the_error_summary_and_nothing_is_blocked()
    {
        var (_, analyst) = await AnalystAsync();
        var before = await ActionCountAsync();

        var bad = await WebForms.PostAsync(analyst, "/operator/security/actions",
            new Dictionary<string, string> { ["network"] = "203.0.113.300/24", ["minutes"] = "60" }, "Block");
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("CIDR form", await WebForms.ErrorSummaryAsync(bad), StringComparison.Ordinal);
        var badPrefix = await WebForms.PostAsync(analyst, "/operator/security/actions",
            new Dictionary<string, string> { ["network"] = "203.0.113.0/20", ["minutes"] = "60" }, "Block");
        Assert.Contains("/32, /24, /16", await WebForms.ErrorSummaryAsync(badPrefix), StringComparison.Ordinal);
        var badTime = await WebForms.PostAsync(analyst, "/operator/security/actions",
            new Dictionary<string, string> { ["network"] = "203.0.113.0/24", ["minutes"] = "7" }, "Block");
        Assert.Contains("how long", await WebForms.ErrorSummaryAsync(badTime), StringComparison.Ordinal);
        Assert.Equal(before, await ActionCountAsync());

        var good = await WebForms.PostAsync(analyst, "/operator/security/actions",
            new Dictionary<string, string> { ["network"] = " 198.51.100.77/24 ", ["minutes"] = "240" }, "Block");
        Assert.Equal("/operator/security/actions?done=blocked", good.Headers.Location!.OriginalString);
        var page = await PageAsync(analyst, "/operator/security/actions");
        Assert.Contains("Blocked 198.51.100.0/24", page, StringComparison.Ordinal);
        var block = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.SingleAsync(a => a.Network == "198.51.100.0/24"));
        Assert.Equal(TimeSpan.FromHours(4), block.ExpiresAt - block.AppliedAt);
        await WebForms.PostAsync(analyst, "/operator/security/actions", new Dictionary<string, string> { ["action"] = block.Id.ToString() }, "Undo");
    }

    [Fact]
    public async Task Downloads_switched_off_for_one_practice_pause_only_its_patients_until_switched_back_on()
    {
        var (_, analyst) = await AnalystAsync();
        var (here, hereDocument) = await PatientWithDocumentAsync();
        var (there, thereDocument) = await PatientWithDocumentAsync();
        var practice = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == here.User.PatientId).Select(e => e.PracticeId).SingleAsync());

        var none = await WebForms.PostAsync(analyst, "/operator/security/switches",
            new Dictionary<string, string> { ["name"] = "documents.download", ["enabled"] = "false", ["practiceId"] = "" }, "Practice");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Contains("Choose the practice", await WebForms.ErrorSummaryAsync(none), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await here.Client.GetAsync($"/api/v1/documents/{hereDocument}/content")).StatusCode);

        var off = await WebForms.PostAsync(analyst, "/operator/security/switches",
            new Dictionary<string, string> { ["name"] = "documents.download", ["enabled"] = "false", ["practiceId"] = practice.ToString() }, "Practice");
        Assert.Equal("/operator/security/switches?done=switched-off", off.Headers.Location!.OriginalString);
        var paused = await here.Client.GetAsync($"/api/v1/documents/{hereDocument}/content");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, paused.StatusCode);
        Assert.Contains("Downloads are paused while we check something. Your documents are safe.", await paused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await there.Client.GetAsync($"/api/v1/documents/{thereDocument}/content")).StatusCode);
        var page = await PageAsync(analyst, "/operator/security/switches");
        Assert.Contains("Off for some practices", page, StringComparison.Ordinal);
        Assert.Contains("Switch back on for Test Practice", page, StringComparison.Ordinal);

        var on = await WebForms.PostAsync(analyst, "/operator/security/switches",
            new Dictionary<string, string> { ["name"] = "documents.download", ["enabled"] = "true", ["practiceId"] = practice.ToString() }, "Practice");
        Assert.Equal("/operator/security/switches?done=switched-on", on.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await here.Client.GetAsync($"/api/v1/documents/{hereDocument}/content")).StatusCode);
    }

    [Fact]
    public async Task Switched_off_for_everyone_and_back_on_for_everyone_also_ends_each_practices_switch_off()
    {
        var (_, analyst) = await AnalystAsync();
        var (here, hereDocument) = await PatientWithDocumentAsync();
        var practice = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == here.User.PatientId).Select(e => e.PracticeId).SingleAsync());
        await WebForms.PostAsync(analyst, "/operator/security/switches",
            new Dictionary<string, string> { ["name"] = "access-log", ["enabled"] = "false", ["practiceId"] = practice.ToString() }, "Practice");
        await WebForms.PostAsync(analyst, "/operator/security/switches", new Dictionary<string, string> { ["name"] = "access-log", ["enabled"] = "false" }, "Everyone");
        Assert.Contains("Off for everyone", await PageAsync(analyst, "/operator/security/switches"), StringComparison.Ordinal);

        var on = await WebForms.PostAsync(analyst, "/operator/security/switches", new Dictionary<string, string> { ["name"] = "access-log", ["enabled"] = "true" }, "Everyone");
        Assert.Equal("/operator/security/switches?done=switched-on", on.Headers.Location!.OriginalString);
        var left = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions
            .CountAsync(a => a.Switch == "access-log" && a.UndoneAt == null));
        Assert.Equal(0, left);
        Assert.Equal(HttpStatusCode.OK, (await here.Client.GetAsync($"/api/v1/documents/{hereDocument}/content")).StatusCode);
    }

    [Fact]
    public async Task The_changes_endpoint_answers_as_soon_as_an_alert_is_raised()
    {
        var (_, analyst) = await AnalystAsync();
        var feed = _portal.Services.GetRequiredService<AlertFeed>();
        var stale = await analyst.GetFromJsonAsync<JsonElement>("/operator/security/changes?since=-1");
        Assert.Equal(feed.Version, stale.GetProperty("version").GetInt64());

        var waiting = analyst.GetFromJsonAsync<JsonElement>($"/operator/security/changes?since={feed.Version}");
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        var (_, alert) = await ProbingPatientAsync();
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(answer.GetProperty("version").GetInt64() > stale.GetProperty("version").GetInt64());

        // The live part alone, as the script fetches it: the alert, with no layout around it.
        var live = await PageAsync(analyst, "/operator/security?handler=Live");
        Assert.Contains($"data-alert-id=\"{alert.Id}\"", live, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", live, StringComparison.Ordinal);
        // A version ahead of the portal's (it restarted) is answered at once.
        var ahead = await analyst.GetFromJsonAsync<JsonElement>($"/operator/security/changes?since={feed.Version + 1000}")
            .WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(feed.Version, ahead.GetProperty("version").GetInt64());
    }

    private async Task<(TestUser User, HttpClient Client)> AnalystAsync()
    {
        var user = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        return (user, await _portal.SignInWebAsync(user));
    }

    /// <summary>A patient whose API session asks for documents that are not theirs until the detector asks it for its second factor again.</summary>
    private async Task<(HttpClient Api, SecurityAlert Alert)> ProbingPatientAsync()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var api = await _portal.SignInApiAsync(patient);
        for (var i = 0; i < 4; i++)
        {
            await api.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var alert = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().SecurityAlerts.AsNoTracking()
            .SingleAsync(a => a.AccountId == patient.AccountId));
        return (api, alert);
    }

    private async Task<((TestUser User, HttpClient Client) Patient, Guid Document)> PatientWithDocumentAsync()
    {
        var (patient, client, ids) = await _portal.PatientWithDocumentsAsync(1);
        return ((patient, client), ids[0]);
    }

    private static async Task<string> PageAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    private Task<int> ActionCountAsync() => _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ContainmentActions.CountAsync());

    private Task<List<AuditEvent>> EventsAsync(Guid actor, AuditAction action) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ActorAccountId == actor && e.Action == action).OrderBy(e => e.Sequence).ToListAsync());
}
