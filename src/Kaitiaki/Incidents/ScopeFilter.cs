using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kaitiaki.Audit;

namespace Kaitiaki.Incidents;

/// <summary>
/// What a scope asks of the audit trail, as a person writes it: a window, and lists of accounts, sessions, addresses or
/// networks, API clients, modules and actions, each to include or to exclude. An empty include list means "any".
/// </summary>
internal sealed record ScopeRequest(
    DateTime? From,
    DateTime? To,
    IReadOnlyList<Guid>? AccountIds = null,
    IReadOnlyList<Guid>? SessionIds = null,
    IReadOnlyList<string>? Ips = null,
    IReadOnlyList<string>? Actions = null,
    IReadOnlyList<Guid>? ExcludeAccountIds = null,
    IReadOnlyList<Guid>? ExcludeSessionIds = null,
    IReadOnlyList<string>? ExcludeIps = null,
    IReadOnlyList<string>? ExcludeActions = null,
    IReadOnlyList<string>? Clients = null,
    IReadOnlyList<string>? ExcludeClients = null,
    IReadOnlyList<string>? Modules = null,
    IReadOnlyList<string>? ExcludeModules = null);

/// <summary>
/// A scope's filter once read and checked: the form a version stores (as canonical JSON) and the engine runs. Times are
/// UTC; the window includes both ends.
/// </summary>
internal sealed record ScopeFilter(
    DateTime From,
    DateTime To,
    IReadOnlyList<Guid> Accounts,
    IReadOnlyList<Guid> ExcludeAccounts,
    IReadOnlyList<Guid> Sessions,
    IReadOnlyList<Guid> ExcludeSessions,
    IReadOnlyList<string> Networks,
    IReadOnlyList<string> ExcludeNetworks,
    IReadOnlyList<string> Clients,
    IReadOnlyList<string> ExcludeClients,
    IReadOnlyList<AuditAction> Actions)
{
    /// <summary>The actions that disclose documents, and so are all a scope counts: what each discloses.</summary>
    public static readonly IReadOnlyDictionary<AuditAction, Disclosure> DisclosingActions = new Dictionary<AuditAction, Disclosure>
    {
        [AuditAction.DocumentDownloaded] = Disclosure.Content,
        [AuditAction.DocumentPreviewed] = Disclosure.Content,
        [AuditAction.DocumentMetadataViewed] = Disclosure.Metadata,
        [AuditAction.DocumentListed] = Disclosure.Metadata,
    };

    /// <summary>Modules and the disclosing actions in each. Documents are the one module that discloses today.</summary>
    public static readonly IReadOnlyDictionary<string, AuditAction[]> Modules = new Dictionary<string, AuditAction[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["documents"] = [.. DisclosingActions.Keys],
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ScopeFilter FromJson(string json) =>
        JsonSerializer.Deserialize<ScopeFilter>(json, Json) ?? throw new InvalidOperationException("A stored scope filter is empty.");

    /// <summary>Whether an event's source address is inside the filter's networks (or there are none) and outside its exclusions.</summary>
    public Func<string?, bool> AddressTest()
    {
        var include = Networks.Select(IPNetwork.Parse).ToArray();
        var exclude = ExcludeNetworks.Select(IPNetwork.Parse).ToArray();
        if (include.Length == 0 && exclude.Length == 0)
        {
            return _ => true;
        }
        return address =>
        {
            if (!IPAddress.TryParse(address, out var ip))
            {
                return include.Length == 0;
            }
            ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
            return (include.Length == 0 || include.Any(n => n.Contains(ip))) && !exclude.Any(n => n.Contains(ip));
        };
    }

    public bool NeedsAddresses => Networks.Count > 0 || ExcludeNetworks.Count > 0;

    /// <summary>
    /// Reads a request into a filter, or says what is wrong with it. Nothing here looks at the database: whether the
    /// accounts and sessions exist is <see cref="Scoping"/>'s check.
    /// </summary>
    public static bool TryRead(ScopeRequest request, out ScopeFilter filter, out string problem)
    {
        filter = null!;
        if (request.From is not { } from || request.To is not { } to)
        {
            problem = "A scope needs a window: give both \"from\" and \"to\" as times (for example 2026-12-01T09:00:00Z).";
            return false;
        }
        from = Utc(from);
        to = Utc(to);
        if (to <= from)
        {
            problem = "The window is empty or inverted: \"to\" must be later than \"from\".";
            return false;
        }
        if (!TryNetworks(request.Ips, out var networks, out problem) || !TryNetworks(request.ExcludeIps, out var excludeNetworks, out problem))
        {
            return false;
        }
        if (!TryActions(request.Actions, request.Modules, out var included, out problem)
            || !TryActions(request.ExcludeActions, request.ExcludeModules, out var excluded, out problem))
        {
            return false;
        }
        var actions = (included.Count == 0 ? DisclosingActions.Keys : included).Except(excluded).Order().ToList();
        if (actions.Count == 0)
        {
            problem = "The scope excludes every action that discloses documents, so it could never find anything.";
            return false;
        }
        filter = new ScopeFilter(from, to,
            Ids(request.AccountIds), Ids(request.ExcludeAccountIds), Ids(request.SessionIds), Ids(request.ExcludeSessionIds),
            networks, excludeNetworks, Texts(request.Clients), Texts(request.ExcludeClients), actions);
        return true;
    }

    private static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        // A time with no zone is read as New Zealand time, the time people in this product speak in.
        _ => Web.NzTime.ToUtc(value),
    };

    private static List<Guid> Ids(IReadOnlyList<Guid>? ids) => (ids ?? []).Distinct().Order().ToList();

    private static List<string> Texts(IReadOnlyList<string>? texts) =>
        (texts ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static bool TryNetworks(IReadOnlyList<string>? texts, out List<string> networks, out string problem)
    {
        networks = [];
        problem = "";
        foreach (var text in texts ?? [])
        {
            if (!TryNetwork(text, out var network))
            {
                problem = $"\"{Shorten(text)}\" is not an address or a network in CIDR form. Give, for example, 203.0.113.7, 203.0.113.0/24 or 2001:db8::/48.";
                return false;
            }
            networks.Add(network);
        }
        networks = networks.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return true;
    }

    /// <summary>An address (as a one-address network) or a network of any prefix length, in its normal form.</summary>
    internal static bool TryNetwork(string? text, out string network)
    {
        network = "";
        var trimmed = (text ?? "").Trim();
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? trimmed : trimmed[..slash];
        // Four plain decimal parts or an IPv6 address: "203.0.113" or "010.0.0.1" would otherwise be read as something else.
        var plain = address.Contains(':', StringComparison.Ordinal)
            || (address.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')));
        if (!plain || !IPAddress.TryParse(address, out var ip))
        {
            return false;
        }
        ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        var maximum = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var prefix = maximum;
        if (slash >= 0 && (!int.TryParse(trimmed[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix)
                           || prefix > maximum))
        {
            return false;
        }
        network = new IPNetwork(Masked(ip, prefix), prefix).ToString();
        return true;
    }

    private static IPAddress Masked(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPAddress(bytes);
    }

    private static bool TryActions(IReadOnlyList<string>? actions, IReadOnlyList<string>? modules, out List<AuditAction> result, out string problem)
    {
        result = [];
        problem = "";
        foreach (var module in modules ?? [])
        {
            if (!Modules.TryGetValue(module.Trim(), out var inModule))
            {
                problem = $"\"{Shorten(module)}\" is not a module a scope can cover. The modules are: {string.Join(", ", Modules.Keys)}.";
                return false;
            }
            result.AddRange(inModule);
        }
        foreach (var text in actions ?? [])
        {
            if (ReadAction(text) is not { } action)
            {
                problem = $"\"{Shorten(text)}\" is not an action that discloses documents. Use download, preview, view or list "
                          + "(or DocumentDownloaded, DocumentPreviewed, DocumentMetadataViewed, DocumentListed).";
                return false;
            }
            result.Add(action);
        }
        result = result.Distinct().ToList();
        return true;
    }

    /// <summary>An action as people write it: "download", "documents.download", "DocumentDownloaded", "document-downloaded" or its number.</summary>
    internal static AuditAction? ReadAction(string? text)
    {
        var raw = (text ?? "").Trim();
        if (int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return DisclosingActions.ContainsKey((AuditAction)number) ? (AuditAction)number : null;
        }
        var squashed = new string(raw.Where(char.IsLetter).ToArray()).ToLowerInvariant();
        if (squashed.StartsWith("documents", StringComparison.Ordinal))
        {
            squashed = squashed["documents".Length..];
        }
        else if (squashed.StartsWith("document", StringComparison.Ordinal))
        {
            squashed = squashed["document".Length..];
        }
        return squashed switch
        {
            "download" or "downloaded" => AuditAction.DocumentDownloaded,
            "preview" or "previewed" => AuditAction.DocumentPreviewed,
            "view" or "viewed" or "metadata" or "metadataviewed" or "viewmetadata" => AuditAction.DocumentMetadataViewed,
            "list" or "listed" => AuditAction.DocumentListed,
            _ => null,
        };
    }

    private static string Shorten(string? text) => (text ?? "").Length <= 60 ? text ?? "" : text![..60] + "…";
}
