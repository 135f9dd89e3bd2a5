namespace Kaitiaki;

/// <summary>
/// Settings under the <c>Kaitiaki</c> configuration section. Relative paths are resolved against
/// the data directory so one setting moves everything.
/// </summary>
internal sealed class KaitiakiOptions
{
    public const string Section = "Kaitiaki";

    public string DataDirectory { get; set; } = "data";
    public string DatabaseProvider { get; set; } = "sqlite";
    public string? KeysDirectory { get; set; }
    public string? AuditCheckpointDirectory { get; set; }
    public string? OutboxDirectory { get; set; }
    public int AuditCheckpointIntervalSeconds { get; set; } = 30;
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan SessionAbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);
    public string PasskeyServerDomain { get; set; } = "localhost";
    public int SignInAttemptsPerMinute { get; set; } = 20;
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";
    public SmtpOptions Smtp { get; set; } = new();
    public Notifications.NotificationOptions Notifications { get; set; } = new();
    public DocumentOptions Documents { get; set; } = new();
    public Storage.DataProtectionKeyOptions DataProtection { get; set; } = new();
    public Security.DetectionOptions Detection { get; set; } = new();
    public Incidents.IncidentOptions Incidents { get; set; } = new();

    /// <summary>
    /// Local development over plain http: cookies lose the <c>__Host-</c> prefix and the Secure flag,
    /// which browsers and antiforgery both require https for. Never set this in production.
    /// </summary>
    public bool LocalHttp { get; set; }

    /// <summary>
    /// For bench/documents.sh only: a folder whose files are served, unauthenticated, at <c>/bench-static/</c>, so the
    /// document download path can be compared with plain static files from the same server. Unset (the default), nothing is served.
    /// </summary>
    public string? BenchmarkStaticDirectory { get; set; }

    /// <summary>
    /// For bench/attack.sh only: the portal's clock becomes real time plus an offset that anyone may move forwards at
    /// <c>POST /bench/clock/advance?seconds=N</c>, so a simulated working day runs in minutes. Off (the default), the
    /// clock is the system's and nothing is mapped there. Never set it on a real portal.
    /// </summary>
    public bool BenchmarkClock { get; set; }

    /// <summary>
    /// Whether document content may be answered from remembered access decisions (docs/architecture.md section 3.4).
    /// On by default; bench/documents.sh and bench/many-readers.sh turn it off to measure what it buys.
    /// </summary>
    public bool RememberAccessDecisions { get; set; } = true;

    /// <summary>How many adult patients the demo world has (30 by default); bench/many-readers.sh asks for 1,000.</summary>
    public int DemoPatients { get; set; } = 30;

    /// <summary>The named clinicians of the demo world, who are always there.</summary>
    public const int NamedDemoClinicians = 5;

    public const int MaxDemoClinicians = 1000;

    /// <summary>
    /// How many clinician accounts the demo world has: the five named ones, and beyond that more spread over the practices
    /// still on the portal, for a benchmark that needs many readers.
    /// </summary>
    public int DemoClinicians { get; set; } = NamedDemoClinicians;

    /// <summary>The name of one of the portal's cookies: <c>__Host-</c> prefixed except in local http development.</summary>
    public string CookieName(string bare) => LocalHttp ? bare : "__Host-" + bare;

    public CookieSecurePolicy CookieSecurePolicy => LocalHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>Options for the short-lived helper cookies of sign-in and activation.</summary>
    public CookieOptions ShortLivedCookie(TimeSpan lifetime) => new()
    {
        HttpOnly = true,
        Secure = !LocalHttp,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        MaxAge = lifetime,
    };

    public string DataPath => Path.GetFullPath(DataDirectory);
    public string KeysPath => Resolve(KeysDirectory, "keys");
    public string AuditCheckpointPath => Resolve(AuditCheckpointDirectory, "audit-checkpoints");
    public string OutboxPath => Resolve(OutboxDirectory, "outbox");
    public string DemoAccountsPath => Path.Combine(DataPath, "demo-accounts.json");

    private string Resolve(string? configured, string defaultName) =>
        string.IsNullOrWhiteSpace(configured) ? Path.Combine(DataPath, defaultName) : Path.GetFullPath(configured);

    /// <summary>Fails start-up with a message that names the setting.</summary>
    public void Validate()
    {
        if (DatabaseProvider is not ("sqlite" or "postgres"))
        {
            throw new InvalidOperationException(
                $"Kaitiaki:DatabaseProvider must be 'sqlite' or 'postgres' (it is '{DatabaseProvider}').");
        }
        if (SessionIdleTimeout <= TimeSpan.Zero || SessionAbsoluteTimeout < SessionIdleTimeout)
        {
            throw new InvalidOperationException(
                "Kaitiaki:SessionIdleTimeout must be positive and no longer than Kaitiaki:SessionAbsoluteTimeout.");
        }
        if (AuditCheckpointIntervalSeconds < 1)
        {
            throw new InvalidOperationException("Kaitiaki:AuditCheckpointIntervalSeconds must be at least 1.");
        }
        if (SignInAttemptsPerMinute < 1)
        {
            throw new InvalidOperationException("Kaitiaki:SignInAttemptsPerMinute must be at least 1.");
        }
        Documents.Validate();
        Detection.Validate();
        Incidents.Validate();
        if (DemoPatients is < 10 or > 100_000)
        {
            throw new InvalidOperationException($"Kaitiaki:DemoPatients must be between 10 and 100000 (it is {DemoPatients}).");
        }
        if (DemoClinicians is < NamedDemoClinicians or > MaxDemoClinicians)
        {
            throw new InvalidOperationException(
                $"Kaitiaki:DemoClinicians must be between {NamedDemoClinicians} and {MaxDemoClinicians} (it is {DemoClinicians}): the demo world always has its {NamedDemoClinicians} named clinicians.");
        }
        if (!string.IsNullOrWhiteSpace(BenchmarkStaticDirectory) && !Directory.Exists(BenchmarkStaticDirectory))
        {
            throw new InvalidOperationException($"Kaitiaki:BenchmarkStaticDirectory names a folder that does not exist ({BenchmarkStaticDirectory}).");
        }
        if (string.IsNullOrWhiteSpace(PasskeyServerDomain))
        {
            throw new InvalidOperationException("Kaitiaki:PasskeyServerDomain must name the portal's host, e.g. portal.example.nz.");
        }
    }
}

internal sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public string From { get; set; } = "Kaitiaki <no-reply@kaitiaki.invalid>";
}

internal sealed class DocumentOptions
{
    public long MaxUploadBytes { get; set; } = 25L * 1024 * 1024;
    public long PatientQuotaBytes { get; set; } = 1024L * 1024 * 1024;
    public int DeleteGraceDays { get; set; } = 30;

    /// <summary>
    /// How long documents are kept, in days, by "source.category" (e.g. "hospital.discharge-summary") or
    /// "source.all". Documents with no rule are kept until deleted.
    /// </summary>
    public Dictionary<string, int> RetentionDays { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public void Validate()
    {
        if (MaxUploadBytes < 1)
        {
            throw new InvalidOperationException("Kaitiaki:Documents:MaxUploadBytes must be at least 1.");
        }
        if (PatientQuotaBytes < MaxUploadBytes)
        {
            throw new InvalidOperationException("Kaitiaki:Documents:PatientQuotaBytes must be at least Kaitiaki:Documents:MaxUploadBytes.");
        }
        if (DeleteGraceDays < 0)
        {
            throw new InvalidOperationException("Kaitiaki:Documents:DeleteGraceDays cannot be negative.");
        }
        foreach (var (rule, days) in RetentionDays)
        {
            var parts = rule.Split('.', 2);
            if (days < 1 || parts.Length != 2 || !Enum.TryParse<Documents.DocumentSource>(parts[0], ignoreCase: true, out _)
                || !(parts[1].Equals("all", StringComparison.OrdinalIgnoreCase) || Documents.DocumentCategories.Practice.Contains(parts[1].ToLowerInvariant())))
            {
                throw new InvalidOperationException(
                    $"Kaitiaki:Documents:RetentionDays:{rule} must be named source.category or source.all (source: patient, practice or hospital; category as the API spells it) and be at least 1 day.");
            }
        }
    }
}
