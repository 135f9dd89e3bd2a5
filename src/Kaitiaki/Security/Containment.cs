using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>One containment to take: its kind, its target, how long it lasts, and why.</summary>
internal sealed record ContainmentOrder(
    ContainmentKind Kind, string Reason, Guid? AccountId = null, Guid? SessionId = null, string? Network = null, string? Switch = null,
    Guid? PracticeId = null, TimeSpan? For = null);

internal enum UndoOutcome
{
    Undone,
    NotFound,
    AlreadyUndone,
    Lapsed,
}

/// <summary>
/// Takes and undoes containment actions. Each takes effect in <see cref="IDetectionState"/> first, so the very next
/// request on any node that shares the state is stopped, and is then saved with its evidence and its audit event in one
/// transaction. <see cref="HeldAsync"/> is the one check every request and every guarded read makes.
/// </summary>
internal sealed class Containment(IDetectionState state, IServiceScopeFactory scopes, KaitiakiOptions options, AlertFeed feed, TimeProvider clock)
{
    /// <summary>What a contained session's revocation is recorded as, so undoing it can tell it from a sign-out.</summary>
    public const string RevokedReason = "contained by the security team";

    private const int EvidenceLimit = 100;

    public static string SuspendedKey(Guid accountId) => $"suspend:{accountId:N}";
    public static string RevokedKey(Guid sessionId) => $"revoked:{sessionId:N}";
    public static string StepUpKey(Guid sessionId) => $"stepup:{sessionId:N}";
    public static string ThrottleKey(Guid sessionId) => $"throttle:{sessionId:N}";
    public static string BlockKey(string cidr) => $"block:{cidr}";

    /// <summary>A rule's block stops new sign-ins and anything not signed in; sessions already made go on, watched by the other rules.</summary>
    public static string SignInBlockKey(string cidr) => $"block-signin:{cidr}";

    public static readonly GuardRefusal Suspended = new("account suspended", StatusCodes.Status403Forbidden, "Your account is paused",
        "Your account is paused while we check something. Your records are safe. Please contact your practice for help.");
    public static readonly GuardRefusal Revoked = new("session revoked", StatusCodes.Status401Unauthorized, "Please sign in again",
        "Your session has ended. Please sign in again.", "Bearer");
    public static readonly GuardRefusal StepUp = new("second factor needed again", StatusCodes.Status401Unauthorized, "Please confirm it's you",
        "Please enter a code from your authenticator app to carry on.",
        "Bearer error=\"insufficient_user_authentication\", error_description=\"A second factor is needed again\"");
    public static readonly GuardRefusal Throttled = new("throttled", StatusCodes.Status429TooManyRequests, "Please slow down",
        "There have been a lot of requests in a short time. Please wait a minute, then try again.");
    public static readonly GuardRefusal Blocked = new("source blocked", StatusCodes.Status403Forbidden, "Access from here is paused",
        "Access to Kaitiaki from this network is paused while we check something. If you need help, please contact your practice.");

    /// <summary>
    /// Whether the account or session is held: suspended (403), its session ended or awaiting a second factor (401).
    /// Null when neither is.
    /// </summary>
    public async ValueTask<GuardRefusal?> HeldAsync(Guid? accountId, Guid? sessionId)
    {
        if (accountId is not { } account)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        if (sessionId is not { } session)
        {
            return await state.FirstSetAsync([SuspendedKey(account)], now) == 0 ? Suspended : null;
        }
        return await state.FirstSetAsync([SuspendedKey(account), RevokedKey(session), StepUpKey(session)], now) switch
        {
            0 => Suspended,
            1 => Revoked,
            2 => StepUp,
            _ => null,
        };
    }

    /// <summary>Raises an alert and takes its containments: in effect at once, then saved with the evidence in one transaction.</summary>
    public async Task<SecurityAlert> RaiseAsync(SecurityAlert alert, IReadOnlyList<ContainmentOrder> orders, EvidenceQuery evidence, bool automatic)
    {
        var now = clock.GetUtcNow();
        var actions = orders.Select(o => NewAction(o, now, alert.Id, appliedBy: null)).ToList();
        foreach (var action in actions)
        {
            await TakeEffectAsync(action, now);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var ids = await evidence.ReadAsync(db, EvidenceLimit);
        alert.Evidence = AuditEvent.PackItems(ids);
        alert.RaisedAt = now.UtcDateTime;
        alert.Contained = actions.Count > 0;
        db.SecurityAlerts.Add(alert);
        var detail = $"{alert.Rule}; {alert.Severity}; {alert.Principal}";
        if (automatic)
        {
            audit.RecordAutomatic(AuditAction.SecurityAlertRaised, "SecurityAlert", alert.Id, detail, ids);
        }
        else
        {
            audit.RecordWithItems(AuditAction.SecurityAlertRaised, "SecurityAlert", alert.Id, detail, ids);
        }
        foreach (var action in actions)
        {
            action.Evidence = alert.Evidence;
            await SaveAsync(db, audit, action, ids, automatic);
        }
        await db.SaveChangesAsync();
        feed.Publish(alert, actions);
        return alert;
    }

    /// <summary>An analyst's action, with no alert behind it (a switch, a block, a suspension from the console).</summary>
    public async Task<ContainmentAction> TakeAsync(ContainmentOrder order, Guid analystId, Guid? alertId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var action = NewAction(order, now, alertId, analystId);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        if (alertId is { } id && await db.SecurityAlerts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken) is { } alert)
        {
            action.Evidence = alert.Evidence;
        }
        await TakeEffectAsync(action, now);
        await SaveAsync(db, audit, action, AuditEvent.UnpackItems(action.Evidence), automatic: false);
        await db.SaveChangesAsync(cancellationToken);
        feed.Publish(null, [action]);
        return action;
    }

    /// <summary>Undoes an action: its effect ends at once, and the undo is recorded with the action's evidence.</summary>
    public async Task<(UndoOutcome Outcome, ContainmentAction? Action)> UndoAsync(Guid actionId, Guid? by, string how, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var action = await db.ContainmentActions.FirstOrDefaultAsync(a => a.Id == actionId, cancellationToken);
        var now = clock.GetUtcNow();
        if (action is null)
        {
            return (UndoOutcome.NotFound, null);
        }
        if (action.UndoneAt is not null)
        {
            return (UndoOutcome.AlreadyUndone, action);
        }
        if (action.ExpiresAt is { } expires && expires <= now.UtcDateTime)
        {
            return (UndoOutcome.Lapsed, action);
        }
        action.UndoneAt = now.UtcDateTime;
        action.UndoneBy = by;
        // An ended session is never brought back, even by an undo: the password or the token may have changed hands since.
        // Undoing it only records that the action was a mistake; the person signs in again.
        audit.RecordWithItems(AuditAction.ContainmentUndone, "ContainmentAction", action.Id, $"{Describe(action)}; {how}", AuditEvent.UnpackItems(action.Evidence));
        await db.SaveChangesAsync(cancellationToken);
        await EndEffectAsync(db, action, cancellationToken);
        feed.Publish(null, [action]);
        return (UndoOutcome.Undone, action);
    }

    /// <summary>Puts every action still in force back into the state: at start-up, and for a node whose state was lost.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var now = clock.GetUtcNow();
        var inForce = await db.ContainmentActions.AsNoTracking().Where(a => a.UndoneAt == null).ToListAsync(cancellationToken);
        foreach (var action in inForce.Where(a => a.ExpiresAt is null || a.ExpiresAt > now.UtcDateTime))
        {
            await TakeEffectAsync(action, now);
        }
    }

    /// <summary>Like "suspend account 3f2a…", for the audit detail and the console. Ids only, never personal data.</summary>
    public static string Describe(ContainmentAction action) => action.Kind switch
    {
        ContainmentKind.StepUp => $"ask session {action.SessionId:N} for its second factor again",
        ContainmentKind.Throttle => $"throttle session {action.SessionId:N}",
        ContainmentKind.RevokeSession => $"end session {action.SessionId:N}",
        ContainmentKind.SuspendAccount => $"suspend account {action.AccountId:N}",
        ContainmentKind.BlockSource => $"block {action.Network}",
        ContainmentKind.SwitchOff => action.PracticeId is { } p ? $"switch off {action.Switch} for practice {p:N}" : $"switch off {action.Switch} for everyone",
        _ => action.Kind.ToString(),
    };

    private ContainmentAction NewAction(ContainmentOrder order, DateTimeOffset now, Guid? alertId, Guid? appliedBy)
    {
        var lasts = order.For ?? order.Kind switch
        {
            ContainmentKind.BlockSource => options.Detection.BlockFor,
            ContainmentKind.Throttle => options.Detection.ThrottleFor,
            _ => (TimeSpan?)null,
        };
        return new ContainmentAction
        {
            Kind = order.Kind,
            AlertId = alertId,
            AccountId = order.AccountId,
            SessionId = order.SessionId,
            Network = order.Network,
            Switch = order.Switch,
            PracticeId = order.PracticeId,
            AppliedAt = now.UtcDateTime,
            AppliedBy = appliedBy,
            ExpiresAt = lasts is { } l ? (now + l).UtcDateTime : null,
            Reason = order.Reason.Length > 128 ? order.Reason[..128] : order.Reason,
        };
    }

    private async Task SaveAsync(KaitiakiDb db, AuditTrail audit, ContainmentAction action, IReadOnlyCollection<Guid> evidence, bool automatic)
    {
        db.ContainmentActions.Add(action);
        if (action is { Kind: ContainmentKind.RevokeSession, SessionId: { } sessionId }
            && await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.RevokedAt == null) is { } session)
        {
            session.RevokedAt = action.AppliedAt;
            session.RevokedReason = RevokedReason;
        }
        var detail = $"{Describe(action)}; {action.Reason}";
        if (automatic)
        {
            audit.RecordAutomatic(AuditAction.ContainmentApplied, "ContainmentAction", action.Id, detail, evidence);
        }
        else
        {
            audit.RecordWithItems(AuditAction.ContainmentApplied, "ContainmentAction", action.Id, detail, evidence);
        }
    }

    private async Task TakeEffectAsync(ContainmentAction action, DateTimeOffset now)
    {
        TimeSpan? left = action.ExpiresAt is { } expires ? new DateTimeOffset(expires, TimeSpan.Zero) - now : null;
        switch (action.Kind)
        {
            case ContainmentKind.StepUp when action.SessionId is { } s:
                await state.ExtendAsync(StepUpKey(s), left ?? options.SessionAbsoluteTimeout, now);
                break;
            case ContainmentKind.Throttle when action.SessionId is { } s:
                await state.ExtendAsync(ThrottleKey(s), left, now);
                break;
            case ContainmentKind.RevokeSession when action.SessionId is { } s:
                await state.ExtendAsync(RevokedKey(s), options.SessionAbsoluteTimeout, now);
                break;
            case ContainmentKind.SuspendAccount when action.AccountId is { } a:
                await state.ExtendAsync(SuspendedKey(a), null, now);
                break;
            case ContainmentKind.BlockSource when action.Network is { } n:
                await state.ExtendAsync(action.AppliedBy is null ? SignInBlockKey(n) : BlockKey(n), left, now);
                break;
            case ContainmentKind.SwitchOff when action.Switch is { } name:
                await state.ExtendAsync(KillSwitches.Key(name, action.PracticeId), null, now);
                if (action.PracticeId is not null)
                {
                    await state.ExtendAsync(KillSwitches.AnyPracticeKey(name), null, now);
                }
                break;
        }
    }

    private async Task EndEffectAsync(KaitiakiDb db, ContainmentAction action, CancellationToken cancellationToken)
    {
        // Another action may hold the same key (two suspensions of one account): the key stays until the last is undone.
        var now = clock.GetUtcNow().UtcDateTime;
        var others = db.ContainmentActions.AsNoTracking()
            .Where(a => a.Id != action.Id && a.Kind == action.Kind && a.UndoneAt == null && (a.ExpiresAt == null || a.ExpiresAt > now));
        switch (action.Kind)
        {
            case ContainmentKind.StepUp when action.SessionId is { } s && !await others.AnyAsync(a => a.SessionId == s, cancellationToken):
                await state.ClearAsync(StepUpKey(s));
                break;
            case ContainmentKind.Throttle when action.SessionId is { } s && !await others.AnyAsync(a => a.SessionId == s, cancellationToken):
                await state.ClearAsync(ThrottleKey(s));
                break;
            case ContainmentKind.RevokeSession when action.SessionId is { } s && !await others.AnyAsync(a => a.SessionId == s, cancellationToken):
                await state.ClearAsync(RevokedKey(s));
                break;
            case ContainmentKind.SuspendAccount when action.AccountId is { } a && !await others.AnyAsync(x => x.AccountId == a, cancellationToken):
                await state.ClearAsync(SuspendedKey(a));
                break;
            case ContainmentKind.BlockSource when action.Network is { } n
                                                   && !await others.AnyAsync(x => x.Network == n && (x.AppliedBy == null) == (action.AppliedBy == null), cancellationToken):
                await state.ClearAsync(action.AppliedBy is null ? SignInBlockKey(n) : BlockKey(n));
                break;
            case ContainmentKind.SwitchOff when action.Switch is { } name:
                if (!await others.AnyAsync(x => x.Switch == name && x.PracticeId == action.PracticeId, cancellationToken))
                {
                    await state.ClearAsync(KillSwitches.Key(name, action.PracticeId));
                }
                if (!await others.AnyAsync(x => x.Switch == name && x.PracticeId != null, cancellationToken))
                {
                    await state.ClearAsync(KillSwitches.AnyPracticeKey(name));
                }
                break;
        }
    }
}

/// <summary>Which audit events are the evidence for an alert: a principal's events over the rule's window, newest first.</summary>
internal sealed record EvidenceQuery(Guid? AccountId, Guid? SessionId, string? IpAddress, DateTime Since)
{
    public async Task<List<Guid>> ReadAsync(KaitiakiDb db, int limit)
    {
        var events = db.AuditEvents.AsNoTracking().Where(e => e.OccurredAt >= Since);
        if (SessionId is { } session)
        {
            events = events.Where(e => e.SessionId == session);
        }
        else if (AccountId is { } account)
        {
            events = events.Where(e => e.ActorAccountId == account);
        }
        else if (Networks.Plain(IpAddress) is { } ip)
        {
            // A dual-stack socket records an IPv4 address as ::ffff:a.b.c.d.
            var mapped = "::ffff:" + ip;
            events = events.Where(e => e.IpAddress == ip || e.IpAddress == mapped);
        }
        else
        {
            return [];
        }
        var ids = await events.OrderByDescending(e => e.Sequence).Take(limit).Select(e => e.Id).ToListAsync();
        ids.Reverse();
        return ids;
    }
}
