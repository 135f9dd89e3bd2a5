using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Security.Pages;

/// <summary>
/// The security console's front page: reads per minute over the last hours with the alerts marked on it, and the
/// latest alerts, newest first. With JavaScript the live part updates itself (security-console.js asks
/// <c>/operator/security/changes</c>, then fetches <c>?handler=Live</c>); without it, Refresh does the same.
/// </summary>
[Authorize(Policy = AccountsSetup.SecurityAnalystPolicy)]
[Audited(AuditAction.SecurityConsoleViewed)]
internal sealed class SecurityHomeModel(SecurityConsole console, ReadActivity activity, AlertFeed feed, TimeProvider clock) : PageModel
{
    public const int AlertsShown = 50;
    public static readonly TimeSpan ChartWindow = TimeSpan.FromHours(3);

    public long Version { get; private set; }
    public IReadOnlyList<AlertResponse> Alerts { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Accounts { get; private set; } = new Dictionary<Guid, string>();
    public ReadsChart Chart { get; private set; } = null!;
    public DateTime Now { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>The live part alone, for the script to put in place of the old one.</summary>
    public async Task<IActionResult> OnGetLiveAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Partial("/Security/Pages/_Live.cshtml", this);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        // Read before the alerts, so a change made while they are read is seen by the next poll.
        Version = feed.Version;
        Now = clock.GetUtcNow().UtcDateTime;
        Alerts = await console.AlertsAsync(AlertsShown, cancellationToken);
        Accounts = await console.AccountLabelsAsync(Alerts.Select(a => AccountOf(a.Principal)).OfType<Guid>().Distinct().ToList(), cancellationToken);
        Chart = new ReadsChart(await activity.LastAsync(ChartWindow, cancellationToken));
    }

    /// <summary>The account an "account:…" principal names.</summary>
    public static Guid? AccountOf(string principal) =>
        principal.StartsWith("account:", StringComparison.Ordinal) && Guid.TryParse(principal["account:".Length..], out var id) ? id : null;

    public string Who(string principal) =>
        AccountOf(principal) is { } id && Accounts.TryGetValue(id, out var label) ? $"Account of {label}" : AlertWords.Principal(principal);
}
