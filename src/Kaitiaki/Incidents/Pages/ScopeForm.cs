using Kaitiaki.Audit;
using Kaitiaki.Web;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The scope form as typed: a window in New Zealand time and, for accounts, sessions, addresses or networks, API clients,
/// modules and actions, what to include and what to leave out. It becomes a <see cref="ScopeRequest"/>, whose own
/// checks (<see cref="ScopeFilter.TryRead"/>) and <see cref="Scoping"/>'s give most of the messages; this class points
/// each at the field to fix.
/// </summary>
internal sealed class ScopeForm
{
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Accounts { get; set; }
    public string? ExcludeAccounts { get; set; }
    public string? Sessions { get; set; }
    public string? ExcludeSessions { get; set; }
    public string? Ips { get; set; }
    public string? ExcludeIps { get; set; }
    public string? Clients { get; set; }
    public string? ExcludeClients { get; set; }
    public List<string> Actions { get; set; } = [];
    public List<string> ExcludeActions { get; set; } = [];
    public List<string> Modules { get; set; } = [];
    public List<string> ExcludeModules { get; set; } = [];

    /// <summary>The disclosing actions as the form offers them: the value it sends, and what the action is in words.</summary>
    public static readonly IReadOnlyList<(string Value, AuditAction Action, string Words)> ActionChoices =
    [
        ("download", AuditAction.DocumentDownloaded, "Downloads (the document itself)"),
        ("preview", AuditAction.DocumentPreviewed, "Previews (the document itself)"),
        ("view", AuditAction.DocumentMetadataViewed, "Views of a document's details (title, date, size)"),
        ("list", AuditAction.DocumentListed, "Lists of a patient's documents (their details)"),
    ];

    /// <summary>Whether anything beyond the window and the accounts was asked, so the page opens "More filters".</summary>
    public bool UsesMore => new[] { ExcludeAccounts, Sessions, ExcludeSessions, ExcludeIps, Clients, ExcludeClients }.Any(t => !string.IsNullOrWhiteSpace(t))
                            || Actions.Count > 0 || ExcludeActions.Count > 0 || Modules.Count > 0 || ExcludeModules.Count > 0;

    /// <summary>A version's filter, written back into the form to start a new version from it.</summary>
    public static ScopeForm Of(ScopeFilter filter)
    {
        var all = ScopeFilter.DisclosingActions.Keys.ToHashSet();
        return new ScopeForm
        {
            From = IncidentText.FormTime(filter.From),
            To = IncidentText.FormTime(filter.To),
            Accounts = Lines(filter.Accounts),
            ExcludeAccounts = Lines(filter.ExcludeAccounts),
            Sessions = Lines(filter.Sessions),
            ExcludeSessions = Lines(filter.ExcludeSessions),
            Ips = string.Join('\n', filter.Networks),
            ExcludeIps = string.Join('\n', filter.ExcludeNetworks),
            Clients = string.Join('\n', filter.Clients),
            ExcludeClients = string.Join('\n', filter.ExcludeClients),
            Actions = filter.Actions.ToHashSet().SetEquals(all) ? [] : ActionChoices.Where(c => filter.Actions.Contains(c.Action)).Select(c => c.Value).ToList(),
        };
    }

    /// <summary>
    /// The request the form asks for, or the first thing wrong with it (a window that is missing or not a time, an
    /// account or session that is not an id, an e-mail address no account has). Nothing is saved either way.
    /// </summary>
    public async Task<(ScopeRequest? Request, Problem? Problem)> ReadAsync(IncidentDesk desk, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(From))
        {
            return (null, new Problem("Say when the window starts: a scope needs a window.", "from"));
        }
        if (!IncidentText.TryReadTime(From, out var from))
        {
            return (null, new Problem("Enter the start of the window as a date and time, for example 2026-12-01 09:00 (New Zealand time).", "from"));
        }
        if (string.IsNullOrWhiteSpace(To))
        {
            return (null, new Problem("Say when the window ends: a scope needs a window.", "to"));
        }
        if (!IncidentText.TryReadTime(To, out var to))
        {
            return (null, new Problem("Enter the end of the window as a date and time, for example 2026-12-02 17:00 (New Zealand time).", "to"));
        }
        var (accounts, accountProblem) = await AccountsAsync(Accounts, "accounts", desk, cancellationToken);
        var (excludeAccounts, excludeProblem) = await AccountsAsync(ExcludeAccounts, "excludeAccounts", desk, cancellationToken);
        if ((accountProblem ?? excludeProblem) is { } problem)
        {
            return (null, problem);
        }
        var sessionProblem = Ids(Sessions, "sessions", out var sessions);
        var excludeSessionProblem = Ids(ExcludeSessions, "excludeSessions", out var excludeSessions);
        if ((sessionProblem ?? excludeSessionProblem) is { } idProblem)
        {
            return (null, idProblem);
        }
        return (new ScopeRequest(
            DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc),
            accounts, sessions, Tokens(Ips), Actions, excludeAccounts, excludeSessions, Tokens(ExcludeIps), ExcludeActions,
            Tokens(Clients), Tokens(ExcludeClients), Modules, ExcludeModules), null);
    }

    /// <summary>Points a message from <see cref="ScopeFilter.TryRead"/> or <see cref="Scoping.RunAsync"/> at the field it is about.</summary>
    public Problem Locate(string message, ScopeRequest request)
    {
        string? field = null;
        if (message.Contains("window", StringComparison.Ordinal))
        {
            field = message.Contains("inverted", StringComparison.Ordinal) ? "to" : "from";
        }
        else if (message.Contains("CIDR", StringComparison.Ordinal))
        {
            field = (request.Ips ?? []).Any(ip => !ScopeFilter.TryNetwork(ip, out _)) ? "ips" : "excludeIps";
        }
        else if (message.StartsWith("No account", StringComparison.Ordinal))
        {
            field = (request.AccountIds ?? []).Any(a => message.Contains(a.ToString(), StringComparison.OrdinalIgnoreCase)) ? "accounts" : "excludeAccounts";
        }
        else if (message.StartsWith("No session", StringComparison.Ordinal))
        {
            field = (request.SessionIds ?? []).Any(s => message.Contains(s.ToString(), StringComparison.OrdinalIgnoreCase)) ? "sessions" : "excludeSessions";
        }
        else if (message.Contains("module", StringComparison.Ordinal))
        {
            field = (request.Modules ?? []).Any(m => !ScopeFilter.Modules.ContainsKey(m.Trim())) ? "modules" : "excludeModules";
        }
        else if (message.Contains("excludes every action", StringComparison.Ordinal))
        {
            field = ExcludeModules.Count > 0 ? "excludeModules" : "excludeActions";
        }
        else if (message.Contains("action", StringComparison.Ordinal))
        {
            field = (request.Actions ?? []).Any(a => ScopeFilter.ReadAction(a) is null) ? "actions" : "excludeActions";
        }
        return new Problem(message, field);
    }

    private static async Task<(List<Guid> Ids, Problem? Problem)> AccountsAsync(string? text, string field, IncidentDesk desk, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        var emails = new List<string>();
        foreach (var token in Tokens(text))
        {
            if (Guid.TryParse(token, out var id))
            {
                ids.Add(id);
            }
            else if (token.Contains('@', StringComparison.Ordinal))
            {
                emails.Add(token);
            }
            else
            {
                return ([], new Problem($"\"{Shorten(token)}\" is not an account id or an e-mail address. Give each account's id (from the security console or the audit trail) or its e-mail address.", field));
            }
        }
        if (emails.Count > 0)
        {
            var (found, unknown) = await desk.AccountsByEmailAsync(emails, cancellationToken);
            if (unknown.Count > 0)
            {
                return ([], new Problem($"No account has the e-mail address {Shorten(unknown[0])}. Check it against the security console or the audit trail.", field));
            }
            ids.AddRange(found.Values);
        }
        return (ids, null);
    }

    private static Problem? Ids(string? text, string field, out List<Guid> ids)
    {
        ids = [];
        foreach (var token in Tokens(text))
        {
            if (!Guid.TryParse(token, out var id))
            {
                return new Problem($"\"{Shorten(token)}\" is not a session id. Session ids look like 0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b.", field);
            }
            ids.Add(id);
        }
        return null;
    }

    /// <summary>What was typed, one item a line (commas, semicolons and spaces also separate).</summary>
    public static List<string> Tokens(string? text) =>
        (text ?? "").Split(['\n', '\r', ',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string Lines(IEnumerable<Guid> ids) => string.Join('\n', ids);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}

/// <summary>One of the scope form's lists (accounts, sessions, networks, clients), for its partial.</summary>
internal sealed record ScopeListField(IncidentPage Page, string Name, string Label, string? Value, string Hint);

/// <summary>The scope form's actions to include or leave out, and the modules beside them, for their partial.</summary>
internal sealed record ScopeChoicesField(
    IncidentPage Page, string Name, string Legend, string Hint, IReadOnlyList<string> Chosen, IReadOnlyList<string> Modules, string ModulesName, string ModulesLegend);
