using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// An incident's scope: every version with its counts (each naming its version, and saying loudly when its audit trail
/// did not verify), freezing one after a confirmation that says a frozen version never changes, practices' approvals of
/// frozen versions, comparing two, and the form that runs a new version. A bad form saves nothing and says why.
/// </summary>
[Audited(AuditAction.IncidentViewed, AuditAction.ScopeRun, AuditAction.ScopeFrozen)]
internal sealed class IncidentScopeModel(IncidentService incidents, Scoping scoping, IncidentDesk desk, AuditTrail audit, TimeProvider clock)
    : IncidentPage(incidents)
{
    public IReadOnlyList<ScopeVersion> Versions { get; private set; } = [];
    public IReadOnlyDictionary<int, List<PracticeReviewRow>> Reviews { get; private set; } = new Dictionary<int, List<PracticeReviewRow>>();
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();
    public ScopeForm Form { get; private set; } = new();

    /// <summary>The version a freeze button asked about, to confirm.</summary>
    public ScopeVersion? Confirming { get; private set; }

    /// <summary>The version a change was about, for the message.</summary>
    public int? Changed { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, int? freeze, int? start, string? done, int? v, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        (Message, Changed) = ((done, v) switch
        {
            ("ran", { } n) => $"The scope ran. What it found is saved as version {n}.",
            ("frozen", { } n) => $"Version {n} is frozen. It will never change; practices can now review and approve it.",
            _ => IncidentText.DoneMessage(done),
        }, v);
        await LoadAsync(cancellationToken);
        if (start is { } from && Versions.FirstOrDefault(x => x.Version == from) is { } basis)
        {
            Form = ScopeForm.Of(ScopeFilter.FromJson(basis.Filter));
        }
        else
        {
            // A first guess the form shows, not a choice made for anyone: from a day before awareness until now.
            Form = new ScopeForm { From = IncidentText.FormTime(Incident.AwareAt.AddDays(-1)), To = IncidentText.FormTime(clock.GetUtcNow().UtcDateTime) };
        }
        if (freeze is { } number)
        {
            Confirming = Versions.FirstOrDefault(x => x.Version == number);
            Problem = Confirming switch
            {
                null => new Problem($"This incident has no scope version {number}."),
                { FrozenAt: { } at } => new Problem(AlreadyFrozen(number, at)),
                _ => null,
            };
            if (Problem is not null)
            {
                Confirming = null;
            }
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRunAsync(Guid id, ScopeForm form, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Form = form;
        var (request, problem) = await form.ReadAsync(desk, cancellationToken);
        if (request is not null)
        {
            if (!ScopeFilter.TryRead(request, out var filter, out var message))
            {
                problem = form.Locate(message, request);
            }
            else
            {
                var result = await scoping.RunAsync(id, filter, Me, null, cancellationToken);
                if (result.Version is { } version)
                {
                    return Redirect($"/operator/incidents/{id}/scope?done=ran&v={version.Version}#versions");
                }
                problem = form.Locate(result.Problem!, request);
            }
        }
        Problem = problem;
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostFreezeAsync(Guid id, int? version, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (version is not { } number)
        {
            Problem = new Problem("Choose the version to freeze with its own Freeze button.");
        }
        else
        {
            switch (await Incidents.FreezeAsync(id, number, Me, cancellationToken))
            {
                case FreezeResult.Frozen:
                    return Redirect($"/operator/incidents/{id}/scope?done=frozen&v={number}#versions");
                case FreezeResult.NoSuchVersion:
                    Problem = new Problem($"This incident has no scope version {number}, so nothing was frozen.");
                    break;
                default:
                    var frozenAt = (await Incidents.VersionAsync(id, number, cancellationToken))?.FrozenAt;
                    Problem = new Problem(AlreadyFrozen(number, frozenAt));
                    break;
            }
        }
        await LoadAsync(cancellationToken);
        Form = new ScopeForm { From = IncidentText.FormTime(Incident.AwareAt.AddDays(-1)), To = IncidentText.FormTime(clock.GetUtcNow().UtcDateTime) };
        return Page();
    }

    private static string AlreadyFrozen(int number, DateTime? at) =>
        $"Version {number} was frozen already{(at is { } when ? $" ({NzTime.DateAndTime(when)})" : "")} and never changes, so nothing was changed. "
        + "To change the scope, run it again as a new version.";

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Versions = await Incidents.VersionsAsync(Incident.Id, cancellationToken);
        Reviews = await desk.ReviewsAsync(Incident.Id, Versions, cancellationToken);
        var accounts = Versions.Select(v => ScopeFilter.FromJson(v.Filter)).SelectMany(f => f.Accounts.Concat(f.ExcludeAccounts)).Select(a => (Guid?)a);
        Names = await desk.NamesAsync(Versions.Select(v => (Guid?)v.CreatedBy).Concat(Versions.Select(v => v.FrozenBy)).Concat(accounts), cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: Incident.Id, detail: $"scope; versions {Versions.Count}");
    }

    public string NameOf(Guid? id) => id is { } known && Names.TryGetValue(known, out var name) ? name : "An operator";

    /// <summary>What a version asked of the audit trail, a line for each part it set.</summary>
    public IReadOnlyList<string> Describe(ScopeVersion version)
    {
        var filter = ScopeFilter.FromJson(version.Filter);
        string Accounts(IReadOnlyList<Guid> ids) => string.Join(", ", ids.Select(a => $"{(Names.TryGetValue(a, out var n) ? n : "account")} ({a.ToString("N")[..8]})"));
        var lines = new List<string> { $"Window: {NzTime.DateAndTimeRange(filter.From, filter.To)}" };
        lines.Add(filter.Accounts.Count == 0 ? "Accounts: any" : $"Accounts: {Accounts(filter.Accounts)}");
        if (filter.ExcludeAccounts.Count > 0) { lines.Add($"Leaving out accounts: {Accounts(filter.ExcludeAccounts)}"); }
        if (filter.Sessions.Count > 0) { lines.Add($"Sessions: {string.Join(", ", filter.Sessions.Select(s => s.ToString("N")[..8]))}"); }
        if (filter.ExcludeSessions.Count > 0) { lines.Add($"Leaving out sessions: {string.Join(", ", filter.ExcludeSessions.Select(s => s.ToString("N")[..8]))}"); }
        if (filter.Networks.Count > 0) { lines.Add($"Addresses or networks: {string.Join(", ", filter.Networks)}"); }
        if (filter.ExcludeNetworks.Count > 0) { lines.Add($"Leaving out addresses or networks: {string.Join(", ", filter.ExcludeNetworks)}"); }
        if (filter.Clients.Count > 0) { lines.Add($"API clients: {string.Join(", ", filter.Clients)}"); }
        if (filter.ExcludeClients.Count > 0) { lines.Add($"Leaving out API clients: {string.Join(", ", filter.ExcludeClients)}"); }
        lines.Add(filter.Actions.Count == ScopeFilter.DisclosingActions.Count
            ? "Actions: every one that discloses documents"
            : $"Actions: {string.Join(", ", ScopeForm.ActionChoices.Where(c => filter.Actions.Contains(c.Action)).Select(c => c.Words.ToLowerInvariant()))}");
        return lines;
    }
}
