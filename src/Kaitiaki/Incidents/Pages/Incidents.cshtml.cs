using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The incident manager's start: every incident with its Commissioner clock, a form to open one by hand, and the latest
/// security alerts, read only, each with one click to open an incident from it (its rule as the title, the time it was
/// raised as the time of awareness). Alerts are the security console's; incident managers see them here because an
/// operator has one role and the console is the analysts'.
/// </summary>
[Authorize(Policy = AccountsSetup.IncidentManagerPolicy)]
[Audited(AuditAction.IncidentViewed, AuditAction.IncidentOpened, AuditAction.SecurityConsoleViewed)]
internal sealed class IncidentsModel(IncidentService incidents, IncidentDesk desk, SecurityConsole console, AuditTrail audit, TimeProvider clock) : PageModel
{
    public const int AlertsShown = 20;

    public sealed record Row(Incident Incident, ScopeVersion? Latest, IncidentClock Clock);

    public IReadOnlyList<Row> Rows { get; private set; } = [];
    public IReadOnlyList<AlertResponse> Alerts { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> AlertAccounts { get; private set; } = new Dictionary<Guid, string>();
    public IReadOnlyDictionary<Guid, Incident> OpenedFrom { get; private set; } = new Dictionary<Guid, Incident>();
    public string? Message { get; private set; }
    public Problem? Problem { get; private set; }

    public string? Title { get; private set; }
    public string? AwareAt { get; private set; }
    public Guid? AlertId { get; private set; }
    public AlertOrigin? Origin { get; private set; }

    public async Task OnGetAsync(Guid? alert, CancellationToken cancellationToken)
    {
        if (alert is { } alertId && await desk.AlertAsync(alertId, cancellationToken) is { } origin)
        {
            Origin = origin;
            (Title, AwareAt, AlertId) = (AlertWords.Rule(origin.Rule), IncidentText.FormTime(origin.RaisedAt), origin.Id);
        }
        await LoadAsync(cancellationToken);
    }

    /// <summary>Opens an incident by hand, or from an alert with the details changed first.</summary>
    public async Task<IActionResult> OnPostAsync(string? title, string? awareAt, Guid? alertId, CancellationToken cancellationToken)
    {
        (Title, AwareAt, AlertId) = (title, awareAt, alertId);
        if (alertId is { } id)
        {
            Origin = await desk.AlertAsync(id, cancellationToken);
        }
        Problem = Check(title, awareAt, out var at);
        if (Problem is null && alertId is not null && Origin is null)
        {
            Problem = new Problem("That security alert is no longer on record. Open the incident by hand instead.");
            AlertId = null;
        }
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        var incident = await incidents.OpenAsync(title!, at, User.AccountId()!.Value, alertId, cancellationToken);
        return Redirect($"/operator/incidents/{incident.Id}?done=opened");
    }

    /// <summary>One click from an alert: an incident already opened from it is shown instead of opening a second.</summary>
    public async Task<IActionResult> OnPostFromAlertAsync(Guid alert, CancellationToken cancellationToken)
    {
        if (await desk.AlertAsync(alert, cancellationToken) is not { } origin)
        {
            Problem = new Problem("That security alert is no longer on record, so no incident was opened.");
            await LoadAsync(cancellationToken);
            return Page();
        }
        if ((await desk.IncidentsFromAsync([alert], cancellationToken)).TryGetValue(alert, out var existing))
        {
            return Redirect($"/operator/incidents/{existing.Id}");
        }
        var incident = await incidents.OpenAsync(AlertWords.Rule(origin.Rule), origin.RaisedAt, User.AccountId()!.Value, origin.Id, cancellationToken);
        return Redirect($"/operator/incidents/{incident.Id}?done=opened");
    }

    private Problem? Check(string? title, string? awareAt, out DateTime at)
    {
        at = default;
        // The epoch is never in the future, so this asks only about the title.
        if (incidents.CheckNew(title, DateTime.UnixEpoch) is { } titleProblem)
        {
            return new Problem(titleProblem, "title");
        }
        if (string.IsNullOrWhiteSpace(awareAt))
        {
            return new Problem("Say when the operator became aware of the breach: the Privacy Commissioner's 72 hours run from then.", "awareAt");
        }
        if (!IncidentText.TryReadTime(awareAt, out at))
        {
            return new Problem($"Enter the time of awareness as a date and time, for example 2026-12-01 09:00 (New Zealand time).", "awareAt");
        }
        return incidents.CheckNew(title, at) is { } problem ? new Problem(problem, "awareAt") : null;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Message ??= IncidentText.DoneMessage(Request.Query["done"]);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = new List<Row>();
        foreach (var incident in await incidents.ListAsync(cancellationToken))
        {
            var versions = await incidents.VersionsAsync(incident.Id, cancellationToken);
            rows.Add(new Row(incident, versions.LastOrDefault(), IncidentPage.CommissionerClock(incident, now)));
        }
        Rows = rows;
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", detail: $"list; {rows.Count}");
        Alerts = await console.AlertsAsync(AlertsShown, cancellationToken);
        AlertAccounts = await console.AccountLabelsAsync(Alerts.Select(a => Security.Pages.SecurityHomeModel.AccountOf(a.Principal)).OfType<Guid>().Distinct().ToList(), cancellationToken);
        OpenedFrom = await desk.IncidentsFromAsync(Alerts.Select(a => a.Id).ToList(), cancellationToken);
    }

    public string Who(AlertResponse alert) =>
        Security.Pages.SecurityHomeModel.AccountOf(alert.Principal) is { } id && AlertAccounts.TryGetValue(id, out var label)
            ? $"Account of {label}" : AlertWords.Principal(alert.Principal);
}
