using Kaitiaki.Accounts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Audit.Pages;

/// <summary>The audit trail for security analysts and incident managers: filtered, paged by sequence, every event in words.</summary>
[Authorize(Policy = AccountsSetup.SecurityPolicy)]
[Audited(AuditAction.AuditTrailViewed)]
internal sealed class AuditTrailModel(AuditTrailSearch search, AuditTrail audit) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Patient { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Outcome { get; set; }

    /// <summary>Keyset paging: show the events older, or newer, than this sequence number.</summary>
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public long? After { get; set; }

    public Problem? Problem { get; private set; }
    public AuditTrailPage? Results { get; private set; }
    public bool Filtered { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var (filter, problem) = await search.ResolveAsync(new AuditTrailInput(Action, Actor, Patient, From, To, Outcome), cancellationToken);
        if (filter is null)
        {
            // A filter that cannot be understood shows nothing: showing everything instead would hide the mistake.
            Problem = problem;
            return;
        }
        Filtered = filter != new AuditTrailFilter(null, null, null, null, null, null);
        Results = await search.PageAsync(filter, Before, After, cancellationToken);
        var paging = After is { } after ? $"; newer than {after}" : Before is { } before ? $"; older than {before}" : "";
        // The patients whose events were on the page are the event's items, as a document list's are; a search for one
        // patient is about that patient, so it shows in their own access log too.
        var shown = Results.Events.Where(e => e.PatientId is not null).Select(e => e.PatientId!.Value).Distinct().ToList();
        await audit.RecordStandaloneAsync(AuditAction.AuditTrailViewed, patientId: filter.PatientId,
            detail: Truncate($"{filter.Describe()}{paging}; {Results.Events.Count} shown"), items: shown);
    }

    /// <summary>The address of the next or previous page, with the same filters as typed.</summary>
    public string PageLink(string bound, long sequence)
    {
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) { query.Add($"{name}={Uri.EscapeDataString(value.Trim())}"); }
        }
        Add("action", Action);
        Add("actor", Actor);
        Add("patient", Patient);
        Add("from", From);
        Add("to", To);
        Add("outcome", Outcome);
        query.Add($"{bound}={sequence}");
        return "?" + string.Join("&", query);
    }

    /// <summary>Like "Mere Parata (Security analyst, 3f2a9c1b)": the name and role, with enough of the id to tell two people apart.</summary>
    public static string Who(AuditTrailRow row) => row.ActorAccountId switch
    {
        null => row.ActorRole ?? "Kaitiaki system",
        { } id => $"{row.ActorName ?? "Unknown account"} ({(row.ActorRole is null ? "" : row.ActorRole + ", ")}{id.ToString("N")[..8]})",
    };

    /// <summary>Like "Web, Firefox on Windows" then the address: the client and browser in words, the address as it came.</summary>
    public static string ClientOf(AuditTrailRow row)
    {
        var client = row.Client switch
        {
            "web" => "Web",
            "api" => "API",
            "kaitiaki-cli" => "Command line",
            null => "Unknown",
            var other => other,
        };
        return string.IsNullOrEmpty(row.UserAgent) ? client : $"{client}, {UserAgentFamilies.Describe(row.UserAgent)}";
    }

    public static string DetailOf(AuditTrailRow row)
    {
        var resource = row.ResourceType is { } type ? $"{type}{(row.ResourceId is { } id ? " " + id.ToString("N")[..8] : "")}" : null;
        return string.Join(". ", new[] { row.Detail, resource }.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static string Truncate(string text) => text.Length <= 256 ? text : text[..256];
}
