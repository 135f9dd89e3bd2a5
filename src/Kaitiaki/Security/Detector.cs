using Kaitiaki.Audit;
using Kaitiaki.Web;

namespace Kaitiaki.Security;

/// <summary>
/// Live detection. As a guard it sees every read and every refusal before it is answered, counts it in sliding windows
/// per account, session and source (<see cref="IDetectionState"/>), and stops the request that crosses a line, so a burst
/// of parallel requests is counted before any of them is answered. As an audit subscriber it watches sign-ins fail across
/// accounts from one source. Limits are per role (<see cref="DetectionOptions"/>); docs/operations.md section 7 explains them.
/// </summary>
internal sealed class Detector(
    IDetectionState state, Containment containment, PracticeSwitches switches, KaitiakiOptions options, TimeProvider clock, ILogger<Detector> logger)
    : IAccessGuard, IAuditSubscriber
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan WorkingDay = TimeSpan.FromHours(8);

    public static string CanaryKey(Guid patientId) => $"canary:{patientId:N}";
    public static string MovedKey(Guid sessionId) => $"moved:{sessionId:N}";

    private DetectionOptions Settings => options.Detection;

    public async ValueTask<GuardRefusal?> CheckAsync(GuardedRead read, CancellationToken cancellationToken)
    {
        if (read.AccountId is not { } accountId || !(read.Discloses || IsDataRefusal(read) || IsBareList(read)))
        {
            return null;
        }
        // Someone already contained is stopped whatever the mode: the mode governs the rules, not the actions in force.
        if (await containment.HeldAsync(accountId, read.SessionId) is { } held)
        {
            return held;
        }
        if (read.Discloses && await switches.StoppingAsync(read.Action, read.PatientId!.Value, cancellationToken) is { } off)
        {
            return off;
        }
        if (Settings.Mode == DetectionMode.Off)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var trips = await CountAsync(read, accountId, now);
        return trips.Count == 0 ? null : await ActAsync(trips, read, accountId, now);
    }

    /// <summary>Counts the request in every window it belongs to and answers the rules it crossed, strongest first.</summary>
    private async Task<List<Trip>> CountAsync(GuardedRead read, Guid accountId, DateTimeOffset now)
    {
        var trips = new List<Trip>();
        var who = $"account:{accountId:N}";
        var moved = read.SessionId is { } session && await state.FirstSetAsync([MovedKey(session)], now) == 0;
        var limits = Settings.For(read.ActorRole);
        if (moved)
        {
            limits = limits.Tightened();
        }
        var requests = await state.AddAsync($"requests:{who}", 1, TenMinutes, now);

        if (read.Discloses && Touches(read.Action) is false && read.Action != AuditAction.PatientListViewed)
        {
            // Oversight (the audit trail filtered by a patient) reads no one's records: it is neither counted nor a canary touch.
            return trips;
        }
        if (read.Discloses)
        {
            var patient = read.PatientId!.Value;
            var patientKey = patient.ToString("N");
            if (read.Action != AuditAction.PatientListViewed && await state.FirstSetAsync([CanaryKey(patient)], now) == 0)
            {
                trips.Add(new Trip("canary", AlertSeverity.High, Containing.Account, "Read a decoy patient's records.", TenMinutes));
            }
            if (read.Action == AuditAction.PatientListViewed)
            {
                var listed = await state.AddAsync($"listed:{who}", Math.Max(1, read.ItemCount), TenMinutes, now);
                Over(trips, listed, limits.ListedPer10Minutes, "bulk-listing", AlertSeverity.Medium, Containing.Throttle,
                    $"{listed} patients shown in lists in 10 minutes.", TenMinutes);
            }
            else
            {
                var fast = await state.AddDistinctAsync($"patients5m:{who}", patientKey, FiveMinutes, now);
                Over(trips, fast, limits.PatientsPer5Minutes, "bulk-patients", AlertSeverity.High, Containing.Account,
                    $"{fast} different patients' records in 5 minutes.", FiveMinutes);
                var hourly = await state.AddDistinctAsync($"patients1h:{who}", patientKey, Hour, now);
                Over(trips, hourly, limits.PatientsPerHour, "wide-reading", AlertSeverity.Medium, Containing.Nothing,
                    $"{hourly} different patients' records in an hour.", Hour);
                var daily = await state.AddDistinctAsync($"patients8h:{who}", patientKey, WorkingDay, now);
                Over(trips, daily, limits.PatientsPerDay, "low-and-slow", AlertSeverity.Medium, Containing.Nothing,
                    $"{daily} different patients' records in 8 hours.", WorkingDay);
                if (Networks.Plain(read.IpAddress) is { } address)
                {
                    var fromAddress = await state.AddDistinctAsync($"patients10m:ip:{address}", patientKey, TenMinutes, now);
                    if (fromAddress > Settings.PatientsPerAddress)
                    {
                        trips.Add(new Trip("address-many-patients", AlertSeverity.Medium, Containing.Nothing,
                            $"{fromAddress} different patients' records from one address in 10 minutes.", TenMinutes, $"ip:{address}"));
                    }
                }
            }
            if (read.Action is AuditAction.DocumentDownloaded or AuditAction.DocumentPreviewed)
            {
                // Different documents: a PDF viewer fetching one document in many ranges reads one document, not many.
                var documents = await state.AddDistinctAsync($"documents:{who}", (read.ResourceId ?? Guid.Empty).ToString("N"), Minute, now);
                Over(trips, documents, limits.DocumentsPerMinute, "bulk-documents", AlertSeverity.High, Containing.Account,
                    $"{documents} documents in a minute.", Minute);
                var bytes = await state.AddAsync($"bytes:{who}", read.Bytes ?? 0, TenMinutes, now);
                Over(trips, bytes / (1024 * 1024), limits.MegabytesPer10Minutes, "bulk-bytes", AlertSeverity.Medium, Containing.Throttle,
                    $"{bytes / (1024 * 1024)} MB of documents in 10 minutes.", TenMinutes);
            }
        }
        else if (IsBareList(read))
        {
            var listed = await state.AddAsync($"listed:{who}", read.ItemCount, TenMinutes, now);
            Over(trips, listed, limits.ListedPer10Minutes, "bulk-listing", AlertSeverity.Medium, Containing.Throttle,
                $"{listed} patients shown in lists in 10 minutes.", TenMinutes);
        }
        else
        {
            var denials = await state.AddAsync($"denials:{who}", 1, TenMinutes, now);
            // This many refusals trips it (the request that makes the count is the one stopped).
            if (limits.DenialsPer10Minutes > 0 && denials >= limits.DenialsPer10Minutes)
            {
                trips.Add(new Trip("probing", AlertSeverity.High, Containing.Account, $"{denials} requests for records it may not see in 10 minutes.", TenMinutes));
            }
            if (limits.DenialShareFrom > 0 && denials >= limits.DenialShareFrom && denials * 2 >= requests)
            {
                trips.Add(new Trip("probing-share", AlertSeverity.Medium, Containing.StepUp,
                    $"{denials} of {requests} requests refused in 10 minutes.", TenMinutes));
            }
        }
        return [.. trips.OrderByDescending(t => t.Contains).ThenByDescending(t => t.Severity)];
    }

    private static void Over(List<Trip> trips, long count, int limit, string rule, AlertSeverity severity, Containing contains, string summary, TimeSpan window)
    {
        if (limit > 0 && count > limit)
        {
            trips.Add(new Trip(rule, severity, contains, summary, window));
        }
    }

    /// <summary>Raises an alert for each rule newly crossed and, when containing, answers the request as the strongest containment does.</summary>
    private async Task<GuardRefusal?> ActAsync(List<Trip> trips, GuardedRead read, Guid accountId, DateTimeOffset now)
    {
        var containing = Settings.Mode == DetectionMode.Contain;
        GuardRefusal? answer = null;
        foreach (var trip in trips)
        {
            var principal = trip.Principal ?? $"account:{accountId:N}";
            var orders = containing ? Orders(trip.Contains, accountId, read.SessionId) : [];
            // One alert per rule and principal per window; a request that crosses again while contained is already held.
            if (await state.TrySetAsync($"alerted:{trip.Rule}:{principal}", trip.Window, now))
            {
                var alert = new SecurityAlert
                {
                    Rule = trip.Rule, Severity = trip.Severity, Principal = principal, AccountId = trip.Principal is null ? accountId : null,
                    SessionId = trip.Principal is null ? read.SessionId : null, Network = trip.Principal is null ? null : Networks.NetworkOf(read.IpAddress),
                    Summary = trip.Summary,
                };
                var evidence = trip.Principal is null
                    ? new EvidenceQuery(accountId, null, null, (now - trip.Window).UtcDateTime)
                    : new EvidenceQuery(null, null, read.IpAddress, (now - trip.Window).UtcDateTime);
                try
                {
                    await containment.RaiseAsync(alert, orders, evidence, automatic: true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The containment is already in effect; only its record failed. Say so loudly, and still stop the request.
                    logger.LogError("A security alert ({Rule}) could not be saved ({Error}); its containment is in effect.", trip.Rule, ex.GetType().Name);
                }
            }
            else
            {
                // Crossed again within the window: answer only from what is in force, so an analyst's undo is not overruled.
                answer ??= orders.Count > 0 ? await containment.HeldAsync(accountId, read.SessionId) : null;
                continue;
            }
            answer ??= trip.Contains switch
            {
                _ when !containing => null,
                Containing.Account => Containment.Suspended,
                Containing.StepUp => Containment.StepUp,
                Containing.Throttle => Containment.Throttled,
                _ => null,
            };
        }
        return answer;
    }

    private static List<ContainmentOrder> Orders(Containing contains, Guid accountId, Guid? sessionId) => contains switch
    {
        Containing.Account when sessionId is { } s =>
        [
            new(ContainmentKind.RevokeSession, "rule", SessionId: s, AccountId: accountId),
            new(ContainmentKind.SuspendAccount, "rule", AccountId: accountId),
        ],
        Containing.Account => [new(ContainmentKind.SuspendAccount, "rule", AccountId: accountId)],
        Containing.StepUp when sessionId is { } s => [new(ContainmentKind.StepUp, "rule", SessionId: s, AccountId: accountId)],
        Containing.Throttle when sessionId is { } s => [new(ContainmentKind.Throttle, "rule", SessionId: s, AccountId: accountId)],
        _ => [],
    };

    /// <summary>Reads of a patient's own records: what "different patients" counts, and what touches a decoy.</summary>
    private static bool Touches(AuditAction action) => action is AuditAction.DocumentListed or AuditAction.DocumentMetadataViewed
        or AuditAction.DocumentDownloaded or AuditAction.DocumentPreviewed or AuditAction.PatientDetailsViewed or AuditAction.AccessLogViewed;

    /// <summary>A refused request for a patient's data: the mark of someone guessing at ids.</summary>
    private static bool IsDataRefusal(GuardedRead read) =>
        read.Outcome == AuditOutcome.Denied && read.Action is AuditAction.DocumentAccessDenied or AuditAction.DocumentListed
            or AuditAction.DocumentMetadataViewed or AuditAction.PatientDetailsViewed or AuditAction.AccessLogViewed;

    /// <summary>A list of patients that names them as items rather than one event each (the API's patient list).</summary>
    private static bool IsBareList(GuardedRead read) =>
        read is { Action: AuditAction.PatientListViewed, Outcome: AuditOutcome.Success, PatientId: null, ItemCount: > 0 };

    /// <summary>Sign-in attacks: failures across accounts from one address or network.</summary>
    public async ValueTask OnEventAsync(AuditRecord e, CancellationToken cancellationToken)
    {
        if (Settings.Mode == DetectionMode.Off || e.IpAddress is not { } address
            || e.Action is not (AuditAction.SignIn or AuditAction.MfaVerify or AuditAction.PasskeySignIn) || e.Outcome == AuditOutcome.Success)
        {
            return;
        }
        address = Networks.Plain(address)!;
        var now = new DateTimeOffset(e.OccurredAt, TimeSpan.Zero);
        var who = e.ActorAccountId?.ToString("N") ?? "unknown";
        var failures = await state.AddAsync($"signin-failures:ip:{address}", 1, TenMinutes, now);
        var accounts = await state.AddDistinctAsync($"signin-accounts:ip:{address}", who, TenMinutes, now);
        var network = Networks.NetworkOf(address);
        var networkAccounts = network is null ? 0 : await state.AddDistinctAsync($"signin-accounts:net:{network}", who, TenMinutes, now);
        if (Settings.IsNeverBlocked(address))
        {
            return;
        }
        if (accounts > Settings.FailingAccountsPerAddress || failures > Settings.FailedSignInsPerAddress)
        {
            await BlockAsync("credential-stuffing", $"ip:{address}", Networks.Covering(address).First(), address, network,
                $"{failures} failed sign-ins for {accounts} accounts from one address in 10 minutes.", now);
        }
        if (network is not null && networkAccounts > Settings.FailingAccountsPerNetwork)
        {
            await BlockAsync("credential-stuffing-network", $"network:{network}", network, address, network,
                $"Failed sign-ins for {networkAccounts} accounts from one network in 10 minutes.", now);
        }
    }

    private async Task BlockAsync(string rule, string principal, string cidr, string address, string? network, string summary, DateTimeOffset now)
    {
        if (!await state.TrySetAsync($"alerted:{rule}:{principal}", TenMinutes, now))
        {
            return;
        }
        var orders = Settings.Mode == DetectionMode.Contain ? [new ContainmentOrder(ContainmentKind.BlockSource, "rule", Network: cidr)] : new List<ContainmentOrder>();
        var alert = new SecurityAlert { Rule = rule, Severity = AlertSeverity.High, Principal = principal, Network = network, Summary = summary };
        try
        {
            await containment.RaiseAsync(alert, orders, new EvidenceQuery(null, null, address, (now - TenMinutes).UtcDateTime), automatic: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError("A security alert ({Rule}) could not be saved ({Error}); its containment is in effect.", rule, ex.GetType().Name);
        }
    }

    /// <summary>
    /// A session used from another network, or from another kind of device, than it was made on: recorded once as an
    /// alert, and from then on the session is held to half its role's limits, so unusual behaviour contains it sooner.
    /// </summary>
    public async Task NoticeMoveAsync(Guid accountId, Guid sessionId, string? fromNetwork, string? nowNetwork, bool deviceChanged, string? address)
    {
        if (Settings.Mode == DetectionMode.Off)
        {
            return;
        }
        var now = clock.GetUtcNow();
        if (!await state.TrySetAsync(MovedKey(sessionId), options.SessionAbsoluteTimeout, now))
        {
            return;
        }
        var what = fromNetwork != nowNetwork ? "network" : "device";
        var alert = new SecurityAlert
        {
            Rule = "session-moved", Severity = AlertSeverity.Low, Principal = $"session:{sessionId:N}", AccountId = accountId, SessionId = sessionId,
            Network = nowNetwork, Summary = deviceChanged && fromNetwork != nowNetwork
                ? "A session was used from another network and another kind of device."
                : $"A session was used from another {what} than it was made on.",
        };
        try
        {
            await containment.RaiseAsync(alert, [], new EvidenceQuery(accountId, sessionId, null, (now - Hour).UtcDateTime), automatic: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError("A security alert (session-moved) could not be saved ({Error}).", ex.GetType().Name);
        }
    }

    /// <summary>
    /// A support agent's helpline look-up, found, missed or refused: more in an hour than
    /// <see cref="Incidents.IncidentOptions.HelplineLookupsPerHour"/> is a burst no run of calls explains, the mark of
    /// someone finding out who is on the portal. It raises one alert an hour and contains nothing: the helpline's own
    /// limit a minute already slows the agent, and taking a helpline agent off the phones during a breach is an analyst's call.
    /// </summary>
    public async Task NoticeHelplineLookupAsync(Guid accountId, Guid? sessionId)
    {
        if (Settings.Mode == DetectionMode.Off)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var principal = $"account:{accountId:N}";
        var count = await state.AddAsync($"helpline:{principal}", 1, Hour, now);
        if (count <= options.Incidents.HelplineLookupsPerHour || !await state.TrySetAsync($"alerted:helpline-burst:{principal}", Hour, now))
        {
            return;
        }
        var alert = new SecurityAlert
        {
            Rule = "helpline-burst", Severity = AlertSeverity.High, Principal = principal, AccountId = accountId, SessionId = sessionId,
            Summary = $"{count} helpline look-ups in an hour.",
        };
        try
        {
            await containment.RaiseAsync(alert, [], new EvidenceQuery(accountId, null, null, (now - Hour).UtcDateTime), automatic: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError("A security alert (helpline-burst) could not be saved ({Error}).", ex.GetType().Name);
        }
    }

    private enum Containing
    {
        Nothing = 0,
        Throttle = 1,
        StepUp = 2,
        Account = 3,
    }

    private sealed record Trip(string Rule, AlertSeverity Severity, Containing Contains, string Summary, TimeSpan Window, string? Principal = null);
}
