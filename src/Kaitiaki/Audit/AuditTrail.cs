using System.Security.Claims;
using Kaitiaki.Accounts;
using Kaitiaki.Storage;

namespace Kaitiaki.Audit;

/// <summary>
/// Records audit events. An event is added to the same unit of work as the change it describes,
/// so both are saved together or not at all. Reads and denials, which save nothing else, use
/// <see cref="RecordStandaloneAsync"/>. Either way the event reaches the chain through <see cref="AuditLedger"/>.
/// A successful read of a patient's data recorded by the asynchronous methods passes every <see cref="IAccessGuard"/>
/// first; a refusal is recorded instead, and <see cref="AccessRefusedException"/> stops the request before anything is sent.
/// </summary>
internal sealed class AuditTrail(
    KaitiakiDb db, AuditWriter writer, IEnumerable<IAccessGuard> guards, RememberedDecisions decisions, IHttpContextAccessor http, TimeProvider clock)
{
    private readonly IAccessGuard[] _guards = [.. guards];

    public AuditEvent Record(
        AuditAction action,
        AuditOutcome outcome = AuditOutcome.Success,
        Guid? patientId = null,
        Guid? practiceId = null,
        string? resourceType = null,
        Guid? resourceId = null,
        long? bytes = null,
        string? detail = null,
        Guid? actorAccountId = null,
        Guid? sessionId = null)
    {
        var e = Build(action, outcome, patientId, practiceId, resourceType, resourceId, bytes, detail, actorAccountId, sessionId);
        db.AuditEvents.Add(e);
        return e;
    }

    /// <summary>
    /// Adds an event that the portal itself decided (the detector containing someone), to the unit of work. It names no
    /// actor, session or address, even when it is decided inside someone's request: the subject is in the resource and
    /// the detail, and <paramref name="evidence"/> lists the events that led to it.
    /// </summary>
    public AuditEvent RecordAutomatic(
        AuditAction action, string resourceType, Guid resourceId, string detail, IReadOnlyCollection<Guid> evidence, Guid? patientId = null)
    {
        var e = Build(action, AuditOutcome.Success, patientId, null, resourceType, resourceId, null, Truncate(detail, 256), null, null);
        e.ActorAccountId = null;
        e.SessionId = null;
        e.IpAddress = null;
        e.UserAgent = null;
        e.ActorRole = "Kaitiaki detector";
        e.Client = "detector";
        e.RestsOnRevision = null;
        e.Items = evidence.Count == 0 ? null : AuditEvent.PackItems(evidence);
        db.AuditEvents.Add(e);
        return e;
    }

    /// <summary>Adds an event with the ids it concerns as its items (an analyst's action and its evidence) to the unit of work.</summary>
    public AuditEvent RecordWithItems(AuditAction action, string resourceType, Guid resourceId, string detail, IReadOnlyCollection<Guid> items)
    {
        var e = Record(action, resourceType: resourceType, resourceId: resourceId, detail: Truncate(detail, 256));
        e.Items = items.Count == 0 ? null : AuditEvent.PackItems(items);
        return e;
    }

    /// <summary>
    /// Records an event with whatever else the unit of work holds, in one transaction, and returns once it is committed.
    /// For a read or a denial, which changes nothing else, <see cref="RecordStandaloneAsync"/> is cheaper.
    /// </summary>
    public async Task RecordAndSaveAsync(
        AuditAction action,
        AuditOutcome outcome = AuditOutcome.Success,
        Guid? patientId = null,
        Guid? practiceId = null,
        string? resourceType = null,
        Guid? resourceId = null,
        string? detail = null,
        Guid? actorAccountId = null,
        CancellationToken cancellationToken = default)
    {
        var e = Build(action, outcome, patientId, practiceId, resourceType, resourceId, null, detail, actorAccountId, null);
        await GuardAsync(e, cancellationToken);
        db.AuditEvents.Add(e);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Saves the unit of work after asking every guard about each successful read of a patient's data it records, so
    /// reads recorded with <see cref="Record"/> (a page listing patients) pass the guards too. A refusal saves nothing
    /// but the refusal.
    /// </summary>
    public async Task SaveReadsAsync(CancellationToken cancellationToken)
    {
        foreach (var e in db.ChangeTracker.Entries<AuditEvent>().Where(x => x.State == Microsoft.EntityFrameworkCore.EntityState.Added).Select(x => x.Entity).ToList())
        {
            try
            {
                await GuardAsync(e, cancellationToken);
            }
            catch (AccessRefusedException)
            {
                db.ChangeTracker.Clear();
                throw;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Records an event that stands alone (a read or a denial: nothing else is saved with it) and returns once it is
    /// committed. It goes through <see cref="AuditWriter"/>, sharing a commit with other requests' events, and never
    /// touches this request's unit of work. <paramref name="items"/> are the ids a list disclosed, in order. If the request
    /// rests on remembered decisions, the event is recorded only if access has not changed since; otherwise
    /// <see cref="StaleAccessException"/>, before anything is disclosed.
    /// </summary>
    public async Task RecordStandaloneAsync(
        AuditAction action,
        AuditOutcome outcome = AuditOutcome.Success,
        Guid? patientId = null,
        string? resourceType = null,
        Guid? resourceId = null,
        long? bytes = null,
        string? detail = null,
        IReadOnlyCollection<Guid>? items = null)
    {
        var e = Build(action, outcome, patientId, null, resourceType, resourceId, bytes, detail, null, null);
        if (items is not null)
        {
            e.Items = AuditEvent.PackItems(items);
        }
        await GuardAsync(e, CancellationToken.None, recordDenial: () => writer.SaveAsync(e));
        await writer.SaveAsync(e);
    }

    /// <summary>
    /// Shows the event to every guard before it is recorded. If one refuses a read of a patient's data, the refusal is
    /// recorded instead and <see cref="AccessRefusedException"/> stops the request. A refusal of a denial changes only
    /// the answer: the denial is recorded as it is, then the request stops with the guard's status.
    /// </summary>
    private async Task GuardAsync(AuditEvent e, CancellationToken cancellationToken, Func<Task>? recordDenial = null)
    {
        if (_guards.Length == 0)
        {
            return;
        }
        var read = new GuardedRead(e.Action, e.Outcome, e.ActorAccountId, e.ActorRole, e.SessionId, e.Client, e.IpAddress, e.PatientId,
            e.ResourceType, e.ResourceId, e.Bytes, e.Items is null ? 0 : e.Items.Length / 16);
        GuardRefusal? refusal = null;
        foreach (var guard in _guards)
        {
            if (await guard.CheckAsync(read, cancellationToken) is { } said && refusal is null)
            {
                refusal = said;
                if (read.Discloses)
                {
                    break;
                }
            }
        }
        if (refusal is null)
        {
            return;
        }
        if (!read.Discloses)
        {
            if (refusal.LooksMissing || recordDenial is null)
            {
                return;
            }
            // The denial discloses nothing, so it is recorded whatever the remembered decisions say (the containment may just have moved them).
            e.RestsOnRevision = null;
            await recordDenial();
            throw new AccessRefusedException(refusal);
        }
        var refused = Build(AuditAction.ReadRefusedByGuard, AuditOutcome.Denied, e.PatientId, null, e.ResourceType, e.ResourceId, null,
            Truncate($"{e.Action}: {refusal.Reason}", 256), null, null);
        // A refusal discloses nothing, so it is recorded whatever the remembered decisions say.
        refused.RestsOnRevision = null;
        await writer.SaveAsync(refused);
        throw new AccessRefusedException(refusal);
    }

    private AuditEvent Build(
        AuditAction action,
        AuditOutcome outcome,
        Guid? patientId,
        Guid? practiceId,
        string? resourceType,
        Guid? resourceId,
        long? bytes,
        string? detail,
        Guid? actorAccountId,
        Guid? sessionId)
    {
        var now = clock.GetUtcNow();
        var e = new AuditEvent
        {
            Id = Guid.CreateVersion7(now),
            OccurredAt = AuditEvent.TrimToMicroseconds(now.UtcDateTime),
            Action = action,
            Outcome = outcome,
            PatientId = patientId,
            PracticeId = practiceId,
            ResourceType = resourceType,
            ResourceId = resourceId,
            Bytes = bytes,
            Detail = detail,
            RestsOnRevision = decisions.Oldest,
        };
        var context = http.HttpContext;
        if (context is null)
        {
            e.Client = "kaitiaki-cli";
            e.ActorRole = "Operator (command line)";
        }
        else
        {
            var user = context.User;
            e.ActorAccountId = user.AccountId();
            e.SessionId = user.SessionId();
            e.ActorRole = user.FindFirstValue(KaitiakiClaims.PrimaryRole);
            // The scheme that authenticated the request is the channel; without one, the part of the portal it came to.
            e.Client = user.Identity?.AuthenticationType switch
            {
                AccountsSetup.BearerScheme => "api",
                AccountsSetup.CookieScheme => "web",
                _ => AccountsSetup.IsApi(context.Request) ? "api" : "web",
            };
            e.IpAddress = context.Connection.RemoteIpAddress?.ToString();
            var agent = context.Request.Headers.UserAgent.ToString();
            e.UserAgent = agent.Length > 256 ? agent[..256] : agent;
        }
        e.ActorAccountId ??= actorAccountId;
        e.SessionId ??= sessionId;
        return e;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
