using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

internal sealed record AccessLogEntry(Guid Id, DateTime OccurredAt, string Who, string? Role, string What, string Outcome);

/// <summary>
/// A patient's slice of the audit trail — "who has looked at my records" — in plain words.
/// The query is limited to the patient's own id; nothing else is ever read.
/// </summary>
internal sealed class AccessLog(KaitiakiDb db)
{
    public const int PageSize = 50;

    /// <summary>One page of the patient's events, newest first, one entry per event: what the API returns.</summary>
    public async Task<List<AccessLogEntry>> ForPatientAsync(Guid patientId, Guid viewerAccountId, int page, CancellationToken cancellationToken) =>
        [.. (await EventsAsync(patientId, viewerAccountId, page, cancellationToken))
            .Select(e => new AccessLogEntry(e.Id, e.OccurredAt, e.Who, e.Role, e.What, e.Outcome))];

    /// <summary>
    /// The same page of events for the page people read: the patient's own repeated views in one sitting become one
    /// entry (<see cref="AccessLogSittings"/>); everyone else's stay one entry each.
    /// </summary>
    public async Task<(List<AccessLogSitting> Entries, bool HasOlder)> SittingsForPatientAsync(
        Guid patientId, Guid viewerAccountId, int page, CancellationToken cancellationToken)
    {
        var events = await EventsAsync(patientId, viewerAccountId, page, cancellationToken);
        return (AccessLogSittings.Group(events), events.Count == PageSize);
    }

    private async Task<List<AccessLogEvent>> EventsAsync(Guid patientId, Guid viewerAccountId, int page, CancellationToken cancellationToken)
    {
        var rows = await db.AuditEvents.AsNoTracking()
            .Where(e => e.PatientId == patientId)
            .OrderByDescending(e => e.Sequence)
            .Skip(Math.Max(0, page) * PageSize)
            .Take(PageSize)
            .Select(e => new { e.Id, e.OccurredAt, e.ActorAccountId, e.ActorRole, e.SessionId, e.Action, e.Outcome })
            .ToListAsync(cancellationToken);
        var actorIds = rows.Where(r => r.ActorAccountId != null).Select(r => r.ActorAccountId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking()
            .Where(a => actorIds.Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, a => a.DisplayName, cancellationToken);
        return rows.Select(r => new AccessLogEvent(
                r.Id,
                r.OccurredAt,
                r.ActorAccountId == viewerAccountId,
                r.SessionId,
                r.ActorAccountId == viewerAccountId ? "You"
                    : r.ActorAccountId is { } id && names.TryGetValue(id, out var name) ? name
                    : "Kaitiaki system",
                r.ActorAccountId == viewerAccountId ? null : r.ActorRole,
                r.Action,
                Describe(r.Action),
                r.Outcome switch
                {
                    AuditOutcome.Success => "Allowed",
                    AuditOutcome.Denied => "Refused",
                    _ => "Did not succeed",
                }))
            .ToList();
    }

    public static string Describe(AuditAction action) => action switch
    {
        AuditAction.InvitationCreated => "sent you an invitation to join",
        AuditAction.InvitationCodeChecked => "checked an activation code for your invitation",
        AuditAction.InvitationPaused => "paused activation of your invitation for 15 minutes after several tries that did not match",
        AuditAction.InvitationActivated => "activated your account",
        AuditAction.PatientCreated => "added your details to the practice's list",
        AuditAction.EnrolmentStarted => "recorded your enrolment at a practice",
        AuditAction.EnrolmentEnded => "recorded the end of your enrolment at a practice",
        AuditAction.EnrolmentTransferRequested => "asked to become your practice (nothing changes unless you agree)",
        AuditAction.EnrolmentTransferAccepted => "moved your enrolment to a new practice, as you agreed",
        AuditAction.EnrolmentTransferDeclined => "declined a practice's request to become your practice",
        AuditAction.EnrolmentTransferRefused => "tried to enrol you with details or a code that did not match",
        AuditAction.ProxyGrantCreated => "gave someone access on your behalf",
        AuditAction.AccessLogViewed => "looked at this list of who has seen your records",
        AuditAction.PatientListViewed => "saw your name in the practice's patient list",
        AuditAction.PatientDetailsViewed => "looked at your details",
        AuditAction.DocumentListed => "looked at the list of your documents",
        AuditAction.DocumentMetadataViewed => "looked at the details of one of your documents",
        AuditAction.DocumentDownloaded => "downloaded one of your documents",
        AuditAction.DocumentPreviewed => "opened one of your documents",
        AuditAction.DocumentUploaded => "added a document to your records",
        AuditAction.DocumentDeleted => "deleted one of your documents",
        AuditAction.DocumentHidden => "hid one of your documents from your list",
        AuditAction.DocumentUnhidden => "showed a hidden document in your list again",
        AuditAction.ReadRefusedByGuard => "was stopped by Kaitiaki's safeguards before seeing your records",
        AuditAction.DocumentShredded => "permanently destroyed a document (its key was erased)",
        AuditAction.SecurityStatusViewed => "looked at your security status",
        AuditAction.HelplineLookup => "found you on the Kaitiaki helpline, with your NHI number, date of birth and family name, to tell you your security status",
        AuditAction.HelplinePhraseChecked => "checked the verification phrase from your notice on the Kaitiaki helpline",
        AuditAction.HelplineCallLogged => "noted a call with you on the Kaitiaki helpline",
        AuditAction.AuditTrailViewed => "searched the record of who has looked at your records, as part of Kaitiaki's security checks",
        _ => "accessed your records",
    };
}
