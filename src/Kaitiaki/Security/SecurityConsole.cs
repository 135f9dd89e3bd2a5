using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>What went wrong with an analyst's request, in words: the API's problem details and the console's error summary.</summary>
internal sealed record ConsoleProblem(int Status, string Title, string Detail, string? Field = null);

/// <summary>An audit event behind an alert, as the console shows it: no patient, no detail.</summary>
internal sealed record EvidenceRow(long Sequence, DateTime OccurredAt, AuditAction Action, AuditOutcome Outcome, string? ActorRole, string? IpAddress);

internal sealed record AlertDetail(AlertResponse Alert, Guid? AccountId, Guid? SessionId, string? Network, IReadOnlyList<EvidenceRow> Evidence);

internal sealed record PracticeChoice(Guid Id, string Name);

/// <summary>
/// What the security console and the security API do, in one place: read alerts and actions (each read audited), take
/// manual actions, undo, and set switches. Every change goes through <see cref="Containment"/>.
/// </summary>
internal sealed class SecurityConsole(KaitiakiDb db, AuditTrail audit, Containment containment, TimeProvider clock)
{
    public async Task<List<AlertResponse>> AlertsAsync(int limit, CancellationToken cancellationToken)
    {
        var alerts = await db.SecurityAlerts.AsNoTracking().OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id).Take(limit).ToListAsync(cancellationToken);
        var ids = alerts.Select(a => (Guid?)a.Id).ToList();
        var actions = await db.ContainmentActions.AsNoTracking().Where(a => ids.Contains(a.AlertId)).ToListAsync(cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.SecurityConsoleViewed, detail: $"alerts; {alerts.Count}");
        var now = clock.GetUtcNow().UtcDateTime;
        return alerts.Select(a => Respond(a, actions, now)).ToList();
    }

    /// <summary>One alert with its actions and its evidence events (what, when, outcome, role, address); null when there is none.</summary>
    public async Task<AlertDetail?> AlertAsync(Guid id, CancellationToken cancellationToken)
    {
        var alert = await db.SecurityAlerts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alert is null)
        {
            return null;
        }
        var actions = await db.ContainmentActions.AsNoTracking().Where(a => a.AlertId == id).ToListAsync(cancellationToken);
        var ids = AuditEvent.UnpackItems(alert.Evidence).ToList();
        var evidence = await db.AuditEvents.AsNoTracking().Where(e => ids.Contains(e.Id)).OrderBy(e => e.Sequence)
            .Select(e => new EvidenceRow(e.Sequence, e.OccurredAt, e.Action, e.Outcome, e.ActorRole, e.IpAddress)).ToListAsync(cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.SecurityConsoleViewed, resourceType: "SecurityAlert", resourceId: id,
            detail: $"alert; {evidence.Count} evidence events");
        return new AlertDetail(Respond(alert, actions, clock.GetUtcNow().UtcDateTime), alert.AccountId, alert.SessionId, alert.Network, evidence);
    }

    /// <summary>Accounts by id, as "Name (Patient, 3f2a9c1b)", for the console to say who an alert or action is about.</summary>
    public async Task<Dictionary<Guid, string>> AccountLabelsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var accounts = await db.Users.AsNoTracking().Where(a => ids.Contains(a.Id))
            .Select(a => new { a.Id, a.DisplayName, a.Kind, a.OperatorRole }).ToListAsync(cancellationToken);
        return accounts.ToDictionary(a => a.Id, a => $"{a.DisplayName} ({a.Kind switch
        {
            AccountKind.Patient => "patient",
            AccountKind.Staff => "practice staff",
            _ => a.OperatorRole is { } role ? Roles.Of(role).ToLowerInvariant() : "operator",
        }}, {a.Id.ToString("N")[..8]})");
    }

    /// <summary>The practices using the portal, by name, for choosing one.</summary>
    public Task<List<PracticeChoice>> PracticesAsync(CancellationToken cancellationToken) =>
        db.Practices.AsNoTracking().Where(p => p.Status == PracticeStatus.Active).OrderBy(p => p.Name)
            .Select(p => new PracticeChoice(p.Id, p.Name)).ToListAsync(cancellationToken);

    private static AlertResponse Respond(SecurityAlert a, List<ContainmentAction> actions, DateTime now) =>
        new(a.Id, a.Rule, a.Severity.ToString().ToLowerInvariant(), a.Principal, a.RaisedAt, a.Summary, a.Contained,
            actions.Where(x => x.AlertId == a.Id).OrderBy(x => x.AppliedAt).ThenBy(x => x.Kind).Select(x => Describe(x, now)).ToList(),
            AuditEvent.UnpackItems(a.Evidence));

    public async Task<List<ActionResponse>> ActionsAsync(bool inForceOnly, int limit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.ContainmentActions.AsNoTracking();
        if (inForceOnly)
        {
            query = query.Where(a => a.UndoneAt == null && (a.ExpiresAt == null || a.ExpiresAt > now));
        }
        var actions = await query.OrderByDescending(a => a.AppliedAt).ThenByDescending(a => a.Id).Take(limit).ToListAsync(cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.SecurityConsoleViewed, detail: $"actions; {actions.Count}");
        return actions.Select(a => Describe(a, now)).ToList();
    }

    public async Task<List<SwitchResponse>> SwitchesAsync(CancellationToken cancellationToken)
    {
        var result = await SwitchStatesAsync(cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.SecurityConsoleViewed, detail: "switches");
        return result;
    }

    /// <summary>Manual containment by an analyst. Nothing changes when the request is wrong; the problem says what to fix.</summary>
    public async Task<(ActionResponse? Action, ConsoleProblem? Problem)> TakeAsync(Guid analystId, ManualActionRequest request, CancellationToken cancellationToken)
    {
        var kind = ParseKind(request.Kind);
        if (kind is null or ContainmentKind.SwitchOff)
        {
            return (null, new ConsoleProblem(StatusCodes.Status400BadRequest, "Choose an action",
                "kind must be one of step-up, throttle, revoke-session, suspend-account or block-source (switches have their own address).", "kind"));
        }
        if (request.Minutes is { } minutes && minutes is < 1 or > 60 * 24 * 30)
        {
            return (null, new ConsoleProblem(StatusCodes.Status400BadRequest, "Check how long", "minutes must be between 1 and 43200 (30 days).", "minutes"));
        }
        if (request.AlertId is { } alertId && !await db.SecurityAlerts.AnyAsync(a => a.Id == alertId, cancellationToken))
        {
            return (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such alert", "There is no alert with that id.", "alertId"));
        }
        TimeSpan? lasts = request.Minutes is { } m ? TimeSpan.FromMinutes(m) : null;
        ContainmentOrder order;
        switch (kind)
        {
            case ContainmentKind.BlockSource:
                if (!Networks.TryNormalise(request.Network, out var cidr, out var problem))
                {
                    return (null, new ConsoleProblem(StatusCodes.Status400BadRequest, "Check the address", problem, "network"));
                }
                order = new ContainmentOrder(ContainmentKind.BlockSource, "manual", Network: cidr, For: lasts);
                break;
            case ContainmentKind.SuspendAccount:
                if (request.AccountId is not { } accountId || !await db.Users.AnyAsync(a => a.Id == accountId, cancellationToken))
                {
                    return (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such account", "There is no account with that id.", "accountId"));
                }
                order = new ContainmentOrder(ContainmentKind.SuspendAccount, "manual", AccountId: accountId);
                break;
            default:
                var session = request.SessionId is { } sessionId
                    ? await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken)
                    : null;
                if (session is null)
                {
                    return (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such session", "There is no session with that id.", "sessionId"));
                }
                order = new ContainmentOrder(kind.Value, "manual", AccountId: session.AccountId, SessionId: session.Id, For: lasts);
                break;
        }
        var action = await containment.TakeAsync(order, analystId, request.AlertId, cancellationToken);
        return (Describe(action, clock.GetUtcNow().UtcDateTime), null);
    }

    public async Task<(ActionResponse? Action, ConsoleProblem? Problem)> UndoAsync(Guid analystId, Guid actionId, CancellationToken cancellationToken)
    {
        var (outcome, action) = await containment.UndoAsync(actionId, analystId, "undone by an analyst", cancellationToken);
        return outcome switch
        {
            UndoOutcome.Undone => (Describe(action!, clock.GetUtcNow().UtcDateTime), null),
            UndoOutcome.AlreadyUndone => (null, new ConsoleProblem(StatusCodes.Status409Conflict, "Already undone",
                $"This action was already undone at {Web.NzTime.DateAndTime(action!.UndoneAt!.Value)}. Nothing was changed.")),
            UndoOutcome.Lapsed => (null, new ConsoleProblem(StatusCodes.Status409Conflict, "Already lapsed",
                "This action has already lapsed by itself, so there is nothing to undo. Nothing was changed.")),
            _ => (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such action", "There is no containment action with that id.")),
        };
    }

    /// <summary>
    /// Switches something off (a new action) or back on (undoing every action that holds it off), for everyone or for one
    /// practice. Asking for the state it is already in changes nothing.
    /// </summary>
    public async Task<(SwitchResponse? State, ConsoleProblem? Problem)> SetSwitchAsync(
        Guid analystId, string name, bool enabled, Guid? practiceId, CancellationToken cancellationToken)
    {
        if (KillSwitches.Find(name) is not { } found)
        {
            return (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such switch",
                $"There is no switch with that name. The switches are: {string.Join(", ", KillSwitches.All.Select(s => s.Name))}.", "name"));
        }
        if (practiceId is { } p && !await db.Practices.AnyAsync(x => x.Id == p, cancellationToken))
        {
            return (null, new ConsoleProblem(StatusCodes.Status404NotFound, "No such practice", "There is no practice with that id.", "practiceId"));
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var holding = await db.ContainmentActions.AsNoTracking()
            .Where(a => a.Kind == ContainmentKind.SwitchOff && a.Switch == found.Name && a.PracticeId == practiceId && a.UndoneAt == null)
            .Select(a => a.Id).ToListAsync(cancellationToken);
        if (!enabled && holding.Count == 0)
        {
            await containment.TakeAsync(new ContainmentOrder(ContainmentKind.SwitchOff, "manual", Switch: found.Name, PracticeId: practiceId), analystId, null,
                cancellationToken);
        }
        else if (enabled)
        {
            foreach (var id in holding)
            {
                await containment.UndoAsync(id, analystId, "switched back on", cancellationToken);
            }
        }
        var states = await SwitchStatesAsync(cancellationToken);
        return (states.First(s => s.Name == found.Name), null);
    }

    private async Task<List<SwitchResponse>> SwitchStatesAsync(CancellationToken cancellationToken)
    {
        var off = await db.ContainmentActions.AsNoTracking().Where(a => a.Kind == ContainmentKind.SwitchOff && a.UndoneAt == null)
            .Select(a => new { a.Switch, a.PracticeId }).ToListAsync(cancellationToken);
        return KillSwitches.All.Select(s =>
        {
            var mine = off.Where(o => o.Switch == s.Name).ToList();
            var everyone = mine.Any(o => o.PracticeId is null);
            return new SwitchResponse(s.Name, s.Description, !everyone && mine.Count == 0, everyone,
                mine.Where(o => o.PracticeId is not null).Select(o => o.PracticeId!.Value).Distinct().ToList());
        }).ToList();
    }

    public static ContainmentKind? ParseKind(string? text) => new string((text ?? "").Where(char.IsLetter).ToArray()).ToLowerInvariant() switch
    {
        "stepup" => ContainmentKind.StepUp,
        "throttle" => ContainmentKind.Throttle,
        "revokesession" => ContainmentKind.RevokeSession,
        "suspendaccount" => ContainmentKind.SuspendAccount,
        "blocksource" => ContainmentKind.BlockSource,
        "switchoff" => ContainmentKind.SwitchOff,
        _ => null,
    };

    public static string KindName(ContainmentKind kind) => kind switch
    {
        ContainmentKind.StepUp => "step-up",
        ContainmentKind.Throttle => "throttle",
        ContainmentKind.RevokeSession => "revoke-session",
        ContainmentKind.SuspendAccount => "suspend-account",
        ContainmentKind.BlockSource => "block-source",
        ContainmentKind.SwitchOff => "switch-off",
        _ => kind.ToString(),
    };

    public static ActionResponse Describe(ContainmentAction a, DateTime now) => new(
        a.Id, KindName(a.Kind), Target(a), a.Reason, a.AlertId, a.AppliedAt, a.AppliedBy, a.ExpiresAt, a.UndoneAt, a.UndoneBy,
        a.UndoneAt is null && (a.ExpiresAt is null || a.ExpiresAt > now));

    private static string Target(ContainmentAction a) => a.Kind switch
    {
        ContainmentKind.BlockSource => a.Network ?? "",
        ContainmentKind.SuspendAccount => $"account:{a.AccountId:N}",
        ContainmentKind.SwitchOff => a.PracticeId is { } p ? $"{a.Switch}@practice:{p:N}" : a.Switch ?? "",
        _ => $"session:{a.SessionId:N}",
    };
}
