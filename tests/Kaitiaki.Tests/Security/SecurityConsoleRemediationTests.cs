using System.Collections.Concurrent;
using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Security;

/// <summary>
/// Batches of credential remediation from the console. The batch runner is tried against a recording <see cref="IRemediation"/>, so
/// every outcome (including a step that throws) can be made to happen; RemediationTests try the real service.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SecurityConsoleRemediationTests
{
    [Fact]
    public async Task A_batch_runs_each_account_as_the_analyst_in_the_background_and_shows_every_outcome()
    {
        var recorder = new Recorder();
        await using var portal = await TestPortal.StartAsync(configure: b =>
        {
            b.Services.AddSingleton(recorder);
            b.Services.AddScoped<IRemediation, RecordingRemediation>();
        });
        var analystUser = await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var analyst = await portal.SignInWebAsync(analystUser);
        var practice = await portal.CreatePracticeAsync("Hillside Practice");
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var administrator = await portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var patient = await portal.CreatePatientAsync(practice);
        var pending = await portal.CreatePatientAsync(practice);
        var broken = await portal.CreatePatientAsync(practice);
        recorder.Pending.Add(pending.AccountId);
        recorder.Broken.Add(broken.AccountId);
        // A patient behind an alert is offered as a tick box.
        var probing = await portal.SignInApiAsync(patient);
        for (var i = 0; i < 4; i++)
        {
            await probing.GetAsync($"/api/v1/documents/{Guid.NewGuid()}");
        }
        var form = WebUtility.HtmlDecode(await analyst.GetStringAsync("/operator/security/remediation"));
        Assert.Contains($"value=\"{patient.AccountId}\"", form, StringComparison.Ordinal);
        Assert.Contains("Many of its requests refused", form, StringComparison.Ordinal);

        var fields = new List<KeyValuePair<string, string>>
        {
            new("accounts", patient.AccountId.ToString()),
            new("pasted", $"{pending.Email.ToUpperInvariant()}\n{broken.AccountId:N}, nobody-{Guid.NewGuid():N}@example.nz\n{Guid.NewGuid()}"),
            new("practice", practice.Id.ToString()),
        };
        var wrong = await PostAsync(analyst, fields, "not my password");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("That password isn't right", WebUtility.HtmlDecode(await WebForms.ErrorSummaryAsync(wrong)), StringComparison.Ordinal);
        var notAnAccount = await PostAsync(analyst, [new("pasted", "someone")], analystUser.Password);
        Assert.Contains("Entry 1 in the pasted list isn't an account id or an e-mail address", WebUtility.HtmlDecode(await WebForms.ErrorSummaryAsync(notAnAccount)),
            StringComparison.Ordinal);
        var nothing = await PostAsync(analyst, [], analystUser.Password);
        Assert.Contains("Choose at least one account", WebUtility.HtmlDecode(await WebForms.ErrorSummaryAsync(nothing)), StringComparison.Ordinal);
        Assert.Empty(recorder.Calls);

        var started = await PostAsync(analyst, fields, analystUser.Password);
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var progress = started.Headers.Location!.OriginalString;
        Assert.StartsWith("/operator/security/remediation/", progress, StringComparison.Ordinal);
        string page = "";
        for (var i = 0; i < 100 && !page.Contains("data-finished=\"true\"", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            page = WebUtility.HtmlDecode(await analyst.GetStringAsync(progress + "?handler=Progress"));
        }
        Assert.Contains("Finished at ", page, StringComparison.Ordinal);
        Assert.Contains("3 of 7 remediated, 1 already waiting for a new password, 2 not found, 1 didn't work (try them again).", page, StringComparison.Ordinal);
        Assert.Contains($"Patient account {patient.AccountId.ToString("N")[..8]}", page, StringComparison.Ordinal);
        Assert.Contains($"Practice staff account {clinician.AccountId.ToString("N")[..8]}", page, StringComparison.Ordinal);
        Assert.Contains("No account has the e-mail address in entry 3", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Test Patient", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", page, StringComparison.Ordinal);
        Assert.Contains("Refresh</a>", await analyst.GetStringAsync(progress), StringComparison.Ordinal);

        // Each step ran as the analyst's own request, so the service's audit names them; the batch's start is recorded once.
        Assert.Equal(6, recorder.Calls.Count);
        Assert.All(recorder.Calls, c => Assert.Equal(analystUser.AccountId, c.Actor));
        var known = new[] { patient.AccountId, clinician.AccountId, administrator.AccountId, pending.AccountId, broken.AccountId };
        Assert.Equal(known.Order(), recorder.Calls.Select(c => c.Account).Where(known.Contains).Order());
        var start = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .SingleAsync(e => e.Action == AuditAction.RemediationBatchStarted));
        Assert.Equal(analystUser.AccountId, start.ActorAccountId);
        Assert.Equal(6, start.ItemIds().Count);
        Assert.DoesNotContain("@", start.Detail!, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, List<KeyValuePair<string, string>> fields, string password) =>
        PostFormAsync(client, [.. fields, new("password", password)]);

    /// <summary>Like <see cref="WebForms.PostAsync"/>, but a field may come more than once (ticked boxes).</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, List<KeyValuePair<string, string>> fields)
    {
        var token = await WebForms.TokenAsync(client, "/operator/security/remediation");
        return await client.PostAsync("/operator/security/remediation", new FormUrlEncodedContent([.. fields, new("__RequestVerificationToken", token)]));
    }

    internal sealed class Recorder
    {
        public ConcurrentBag<Guid> Pending { get; } = [];
        public ConcurrentBag<Guid> Broken { get; } = [];
        public ConcurrentQueue<(Guid Account, Guid? Actor)> Calls { get; } = new();

        /// <summary>How long each account takes, so a page can be seen catching up.</summary>
        public TimeSpan Delay { get; init; }
    }

    /// <summary>Stands in for the real service in tests only: notes who asked, and answers as told.</summary>
    internal sealed class RecordingRemediation(Recorder recorder, IHttpContextAccessor http, KaitiakiDb db) : IRemediation
    {
        public async Task<RemediationOutcome> RemediateAsync(Guid accountId, CancellationToken cancellationToken)
        {
            recorder.Calls.Enqueue((accountId, http.HttpContext?.User.AccountId()));
            await Task.Delay(recorder.Delay, cancellationToken);
            if (recorder.Broken.Contains(accountId))
            {
                throw new InvalidOperationException("This account's remediation fails, as a test.");
            }
            if (!await db.Users.AnyAsync(a => a.Id == accountId, cancellationToken))
            {
                return RemediationOutcome.NotFound;
            }
            return recorder.Pending.Contains(accountId) ? RemediationOutcome.AlreadyPending : RemediationOutcome.Remediated;
        }
    }
}
