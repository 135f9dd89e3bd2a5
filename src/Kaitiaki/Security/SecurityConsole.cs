using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>What went wrong with an analyst's request, in words: the API's problem details and the console's error summary.</summary>
internal sealed record ConsoleProblem(int Status, string Title, string Detail, string? Field = null);

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
        return alerts.Select(a => new AlertResponse(a.Id, a.Rule, a.Severity.ToString().ToLowerInvariant(), a.Principal, a.RaisedAt, a.Summary, a.Contained,
            actions.Where(x => x.AlertId == a.Id).OrderBy(x => x.AppliedAt).ThenBy(x => x.Kind).Select(x => Describe(x, now)).ToList(),
            AuditEvent.UnpackItems(a.Evidence))).ToList();
    }

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
                $"This action was undone at {action!.UndoneAt:u}. Nothing was changed.")),
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
