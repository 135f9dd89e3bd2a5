using System.Security.Claims;
using Kaitiaki.Accounts;
using Kaitiaki.Storage;

namespace Kaitiaki.Audit;

/// <summary>
/// Records audit events. An event is added to the same unit of work as the change it describes,
/// so both are saved together or not at all. Reads and denials, which save nothing else, use
/// <see cref="RecordStandaloneAsync"/>.
/// </summary>
public sealed class AuditTrail(KaitiakiDb db, AuditWriter writer, IHttpContextAccessor http, TimeProvider clock)
{
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
        Record(action, outcome, patientId, practiceId, resourceType, resourceId, null, detail, actorAccountId);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Records an event that stands alone (a read or a denial: nothing else is saved with it) and returns once it is
    /// committed. It goes through <see cref="AuditWriter"/>, sharing a commit with other requests' events, and never
    /// touches this request's unit of work. With <paramref name="accessRevision"/>, the event is recorded only if access
    /// has not changed since that revision; otherwise <see cref="StaleAccessException"/>.
    /// </summary>
    public Task RecordStandaloneAsync(
        AuditAction action,
        AuditOutcome outcome = AuditOutcome.Success,
        Guid? patientId = null,
        string? resourceType = null,
        Guid? resourceId = null,
        long? bytes = null,
        string? detail = null,
        long? accessRevision = null) =>
        writer.SaveAsync(Build(action, outcome, patientId, null, resourceType, resourceId, bytes, detail, null, null), accessRevision);

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
            e.Client = context.Request.Path.StartsWithSegments("/api") ? "api" : "web";
            e.IpAddress = context.Connection.RemoteIpAddress?.ToString();
            var agent = context.Request.Headers.UserAgent.ToString();
            e.UserAgent = agent.Length > 256 ? agent[..256] : agent;
        }
        e.ActorAccountId ??= actorAccountId;
        e.SessionId ??= sessionId;
        return e;
    }
}
