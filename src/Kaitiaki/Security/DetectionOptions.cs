using Kaitiaki.Accounts;

namespace Kaitiaki.Security;

internal enum DetectionMode
{
    /// <summary>Alerts are raised and the rules contain at once (the default).</summary>
    Contain,

    /// <summary>Alerts are raised; nothing is contained automatically.</summary>
    Observe,

    /// <summary>The detector does nothing. Manual actions and switches still apply.</summary>
    Off,
}

/// <summary>
/// <c>Kaitiaki:Detection</c>. Every limit is "more than this in the window trips the rule"; 0 turns a rule off for that
/// role. docs/operations.md section 7 gives the reasoning behind each default.
/// </summary>
internal sealed class DetectionOptions
{
    public DetectionMode Mode { get; set; } = DetectionMode.Contain;

    /// <summary>Limits by the role a caller acts in: Patient, Proxy, Clinician, PracticeAdministrator, PrivacyOfficer, Operator.</summary>
    public Dictionary<string, RoleLimits> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Different accounts failing to sign in (password or second factor) from one address in ten minutes.</summary>
    public int FailingAccountsPerAddress { get; set; } = 4;

    /// <summary>Failed sign-ins of any kind (also for addresses with no account) from one address in ten minutes.</summary>
    public int FailedSignInsPerAddress { get; set; } = 15;

    /// <summary>Different accounts failing to sign in from one /24 (IPv4) or /64 (IPv6) network in ten minutes.</summary>
    public int FailingAccountsPerNetwork { get; set; } = 12;

    /// <summary>Different patients whose data one address reads in ten minutes, across all accounts (alert only: shared networks exist).</summary>
    public int PatientsPerAddress { get; set; } = 40;

    /// <summary>
    /// Addresses and networks (CIDR, comma-separated) the detector never blocks by itself: by default loopback and the
    /// private ranges, where a reverse proxy sits and every client would seem to come from. "none" for none. An analyst
    /// can still block them by hand.
    /// </summary>
    public string NeverBlock { get; set; } = "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7";

    private List<System.Net.IPNetwork>? _neverBlock;

    public bool IsNeverBlocked(string address) =>
        System.Net.IPAddress.TryParse(address, out var ip) && NeverBlockNetworks().Any(n => n.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip));

    private List<System.Net.IPNetwork> NeverBlockNetworks() => _neverBlock ??= ParseNeverBlock();

    private List<System.Net.IPNetwork> ParseNeverBlock()
    {
        var list = new List<System.Net.IPNetwork>();
        foreach (var part in NeverBlock.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!System.Net.IPNetwork.TryParse(part, out var network))
            {
                throw new InvalidOperationException($"Kaitiaki:Detection:NeverBlock holds '{part}', which is not a network in CIDR form such as 10.0.0.0/8.");
            }
            list.Add(network);
        }
        return list;
    }

    /// <summary>How long a source stays blocked after a sign-in attack.</summary>
    public TimeSpan BlockFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a session stays throttled.</summary>
    public TimeSpan ThrottleFor { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Requests a minute a throttled session may make.</summary>
    public int ThrottledRequestsPerMinute { get; set; } = 6;

    /// <summary>Security team addresses that alerts are e-mailed to, besides every security analyst account.</summary>
    public List<string> AlertEmails { get; set; } = [];

    /// <summary>An https address that each alert is posted to as JSON, signed with <see cref="WebhookSecret"/>; unset for none.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key for the webhook's Kaitiaki-Signature header (at least 32 characters).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The limits for a role, with the defaults filled in for anything not configured.</summary>
    public RoleLimits For(string? role)
    {
        var key = KeyOf(role);
        return Roles.TryGetValue(key, out var configured) ? configured : RoleLimits.DefaultFor(key);
    }

    /// <summary>The configuration key of an audit event's role ("Practice administrator" → PracticeAdministrator).</summary>
    public static string KeyOf(string? role) => role switch
    {
        Accounts.Roles.Patient => "Patient",
        Accounts.Roles.Proxy => "Proxy",
        Accounts.Roles.Clinician => "Clinician",
        Accounts.Roles.PracticeAdministrator => "PracticeAdministrator",
        Accounts.Roles.PrivacyOfficer => "PrivacyOfficer",
        _ => "Operator",
    };

    public static readonly string[] RoleKeys = ["Patient", "Proxy", "Clinician", "PracticeAdministrator", "PrivacyOfficer", "Operator"];

    public void Validate()
    {
        foreach (var key in Roles.Keys)
        {
            if (!RoleKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"Kaitiaki:Detection:Roles:{key} is not a role. Use one of: {string.Join(", ", RoleKeys)}.");
            }
        }
        // A configured role starts from its defaults, so setting one limit leaves the others as documented.
        foreach (var key in Roles.Keys.ToList())
        {
            Roles[key] = RoleLimits.DefaultFor(key).With(Roles[key]);
            Roles[key].Validate($"Kaitiaki:Detection:Roles:{key}");
        }
        if (FailingAccountsPerAddress < 1 || FailedSignInsPerAddress < 1 || FailingAccountsPerNetwork < 1 || PatientsPerAddress < 1)
        {
            throw new InvalidOperationException("Kaitiaki:Detection's per-address and per-network limits must each be at least 1.");
        }
        _neverBlock = ParseNeverBlock();
        if (BlockFor <= TimeSpan.Zero || ThrottleFor <= TimeSpan.Zero || ThrottledRequestsPerMinute < 1)
        {
            throw new InvalidOperationException(
                "Kaitiaki:Detection:BlockFor and ThrottleFor must be positive, and ThrottledRequestsPerMinute at least 1.");
        }
        if (!string.IsNullOrWhiteSpace(WebhookUrl))
        {
            if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
            {
                throw new InvalidOperationException("Kaitiaki:Detection:WebhookUrl must be an absolute https address.");
            }
            if (WebhookSecret is not { Length: >= 32 })
            {
                throw new InvalidOperationException("Kaitiaki:Detection:WebhookSecret must be set, at least 32 characters, when WebhookUrl is.");
            }
        }
    }
}

/// <summary>One role's limits. 0 turns a rule off. "Patients" counts different patients whose own data was read.</summary>
internal sealed class RoleLimits
{
    /// <summary>Different patients in five minutes: contains (bulk access).</summary>
    public int PatientsPer5Minutes { get; set; } = -1;

    /// <summary>Different patients in an hour: an alert (wide reading).</summary>
    public int PatientsPerHour { get; set; } = -1;

    /// <summary>Different patients in eight hours, a working day: an alert (low and slow).</summary>
    public int PatientsPerDay { get; set; } = -1;

    /// <summary>Documents downloaded or opened in a minute: contains.</summary>
    public int DocumentsPerMinute { get; set; } = -1;

    /// <summary>Megabytes of documents in ten minutes: throttles.</summary>
    public int MegabytesPer10Minutes { get; set; } = -1;

    /// <summary>Patients shown in lists in ten minutes: throttles.</summary>
    public int ListedPer10Minutes { get; set; } = -1;

    /// <summary>Refused requests for someone else's data in ten minutes: contains (probing).</summary>
    public int DenialsPer10Minutes { get; set; } = -1;

    /// <summary>With at least this many refusals in ten minutes, half or more of all requests refused asks for the second factor again.</summary>
    public int DenialShareFrom { get; set; } = -1;

    public static RoleLimits DefaultFor(string key) => key.ToLowerInvariant() switch
    {
        // A patient reads their own records and their dependants'; access rules already stop anything else, so what
        // stands out is refusals (guessing at ids) and machine-speed reading.
        "patient" or "proxy" => new RoleLimits
        {
            PatientsPer5Minutes = 8, PatientsPerHour = 8, PatientsPerDay = 0, DocumentsPerMinute = 60, MegabytesPer10Minutes = 1000,
            ListedPer10Minutes = 0, DenialsPer10Minutes = 7, DenialShareFrom = 4,
        },
        // Staff work through their practice's patients at human speed: tens an hour at most, a few dozen a day.
        "clinician" or "practiceadministrator" or "privacyofficer" => new RoleLimits
        {
            PatientsPer5Minutes = 8, PatientsPerHour = 30, PatientsPerDay = 60, DocumentsPerMinute = 30, MegabytesPer10Minutes = 500,
            ListedPer10Minutes = 1000, DenialsPer10Minutes = 7, DenialShareFrom = 4,
        },
        // Operators read no patient's records through the portal.
        _ => new RoleLimits
        {
            PatientsPer5Minutes = 2, PatientsPerHour = 2, PatientsPerDay = 0, DocumentsPerMinute = 2, MegabytesPer10Minutes = 10,
            ListedPer10Minutes = 0, DenialsPer10Minutes = 7, DenialShareFrom = 4,
        },
    };

    /// <summary>These limits with any left unset (-1) taken from <paramref name="configured"/>'s base.</summary>
    public RoleLimits With(RoleLimits configured) => new()
    {
        PatientsPer5Minutes = Pick(configured.PatientsPer5Minutes, PatientsPer5Minutes),
        PatientsPerHour = Pick(configured.PatientsPerHour, PatientsPerHour),
        PatientsPerDay = Pick(configured.PatientsPerDay, PatientsPerDay),
        DocumentsPerMinute = Pick(configured.DocumentsPerMinute, DocumentsPerMinute),
        MegabytesPer10Minutes = Pick(configured.MegabytesPer10Minutes, MegabytesPer10Minutes),
        ListedPer10Minutes = Pick(configured.ListedPer10Minutes, ListedPer10Minutes),
        DenialsPer10Minutes = Pick(configured.DenialsPer10Minutes, DenialsPer10Minutes),
        DenialShareFrom = Pick(configured.DenialShareFrom, DenialShareFrom),
    };

    /// <summary>The stricter limits for a session whose network or device changed: half of each, at least 1.</summary>
    public RoleLimits Tightened() => new()
    {
        PatientsPer5Minutes = Half(PatientsPer5Minutes),
        PatientsPerHour = Half(PatientsPerHour),
        PatientsPerDay = Half(PatientsPerDay),
        DocumentsPerMinute = Half(DocumentsPerMinute),
        MegabytesPer10Minutes = Half(MegabytesPer10Minutes),
        ListedPer10Minutes = Half(ListedPer10Minutes),
        DenialsPer10Minutes = Half(DenialsPer10Minutes),
        DenialShareFrom = Half(DenialShareFrom),
    };

    public void Validate(string section)
    {
        int[] all = [PatientsPer5Minutes, PatientsPerHour, PatientsPerDay, DocumentsPerMinute, MegabytesPer10Minutes, ListedPer10Minutes,
            DenialsPer10Minutes, DenialShareFrom];
        if (all.Any(v => v < 0))
        {
            throw new InvalidOperationException($"{section}: every limit must be 0 (off) or more.");
        }
    }

    private static int Pick(int configured, int fallback) => configured >= 0 ? configured : fallback;

    private static int Half(int limit) => limit <= 0 ? limit : Math.Max(1, limit / 2);
}
