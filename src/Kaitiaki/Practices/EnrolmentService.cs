using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Notifications;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices;

internal sealed record PendingTransfer(Guid Id, string PracticeName, DateTime RequestedAt, DateTime ExpiresAt);

/// <summary>
/// Enrolments, and requests to move a registered patient to another practice. This is the only code that creates
/// an enrolment. A practice that registers a new patient enrols them at once: their record starts there and opens
/// nothing older. A patient who is already registered moves only with their own agreement (<see cref="EnrolmentTransfer"/>).
/// </summary>
internal sealed class EnrolmentService(
    KaitiakiDb db, PatientAccess access, AuditTrail audit, Outbox outbox, KaitiakiOptions options, TimeProvider clock)
{
    internal const int MaxCodeAttempts = 5;

    /// <summary>
    /// Enrols a patient, ending any current enrolment elsewhere. Callers are the consented paths only: a new patient's
    /// registration, an agreed transfer, and the demo world. Refuses a duplicate enrolment at the same practice.
    /// </summary>
    internal async Task EnrolAsync(Guid patientId, Guid practiceId, DateOnly startedOn, CancellationToken cancellationToken)
    {
        var current = await access.CurrentEnrolments().Where(e => e.PatientId == patientId).ToListAsync(cancellationToken);
        if (current.Any(e => e.PracticeId == practiceId))
        {
            throw new ValidationFailedException("nhi", "This patient is already enrolled at this practice.");
        }
        foreach (var old in current)
        {
            old.EndedOn = startedOn;
            audit.Record(AuditAction.EnrolmentEnded, patientId: patientId, practiceId: old.PracticeId, resourceType: "Enrolment", resourceId: old.Id);
        }
        AddEnrolment(patientId, practiceId, startedOn);
    }

    /// <summary>
    /// Enrols a patient being added in this same unit of work, who so has no enrolment to end or repeat: for adding many
    /// new patients at once (the demo world) without a query for each.
    /// </summary>
    internal void EnrolNewPatient(Patient patient, Guid practiceId, DateOnly startedOn)
    {
        if (db.Entry(patient).State != EntityState.Added)
        {
            throw new InvalidOperationException("Only a patient being added in this unit of work can be enrolled without checking their enrolments.");
        }
        AddEnrolment(patient.Id, practiceId, startedOn);
    }

    private void AddEnrolment(Guid patientId, Guid practiceId, DateOnly startedOn)
    {
        var enrolment = new Enrolment { PatientId = patientId, PracticeId = practiceId, StartedOn = startedOn };
        db.Enrolments.Add(enrolment);
        audit.Record(AuditAction.EnrolmentStarted, patientId: patientId, practiceId: practiceId, resourceType: "Enrolment", resourceId: enrolment.Id);
    }

    /// <summary>
    /// Asks a registered patient to agree to move to <paramref name="to"/>, and records the request on the patient's
    /// trail. Any earlier open request to the same practice is replaced. Runs inside the caller's transaction, and
    /// queues with it the e-mails: the patient's, with the code, to their own address, and the one telling the practice
    /// they would leave.
    /// </summary>
    internal async Task RequestTransferAsync(Patient patient, Practice to, Guid? staffAccountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var from = await PracticeLeftForAsync(patient.Id, to.Id, cancellationToken);
        var earlier = await db.EnrolmentTransfers
            .Where(t => t.PatientId == patient.Id && t.ToPracticeId == to.Id && t.Status == TransferStatus.Pending)
            .ToListAsync(cancellationToken);
        foreach (var old in earlier)
        {
            old.Status = TransferStatus.Cancelled;
            old.DecidedAt = now;
        }
        var code = Secrets.NewGroupedCode();
        var transfer = new EnrolmentTransfer
        {
            PatientId = patient.Id,
            FromPracticeId = from?.Id,
            ToPracticeId = to.Id,
            RequestedByAccountId = staffAccountId,
            RequestedAt = now,
            ExpiresAt = now + options.InvitationLifetime,
            CodeHash = Secrets.HashCode(code),
        };
        db.EnrolmentTransfers.Add(transfer);
        audit.Record(AuditAction.EnrolmentTransferRequested, patientId: patient.Id, practiceId: to.Id,
            resourceType: "EnrolmentTransfer", resourceId: transfer.Id, actorAccountId: staffAccountId);
        await outbox.EmailAsync($"transfer-requested/{transfer.Id}", await AddressOfAsync(patient, cancellationToken), "transfer-requested",
            new Dictionary<string, string>
            {
                ["Name"] = patient.GivenName,
                ["Practice"] = to.Name,
                ["Staying"] = from is null ? "" : $" Until you agree, {from.Name} stays your practice.",
                ["Code"] = code,
                ["Ends"] = NzTime.Date(transfer.ExpiresAt),
            }, cancellationToken);
        if (from is not null)
        {
            await outbox.EmailAsync($"transfer-requested/{transfer.Id}", from.PrivacyContactEmail, "transfer-requested-practice",
                new Dictionary<string, string>
                {
                    ["Name"] = from.PrivacyContactName,
                    ["Practice"] = to.Name,
                    ["Patient"] = patient.DisplayName,
                    ["Nhi"] = patient.Nhi,
                    ["From"] = from.Name,
                }, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The open requests for the signed-in patient's own record, newest first.</summary>
    public async Task<List<PendingTransfer>> PendingForAccountAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await OpenForAccount(accountId, now)
            .OrderByDescending(t => t.RequestedAt)
            .Join(db.Practices, t => t.ToPracticeId, p => p.Id, (t, p) => new PendingTransfer(t.Id, p.Name, t.RequestedAt, t.ExpiresAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The patient agrees in the portal. False when the request is not theirs, not open, has expired, was decided at
    /// the same moment by someone else, or its practice has left Kaitiaki.
    /// </summary>
    public async Task<bool> AgreeAsync(Guid accountId, Guid transferId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var transfer = await OpenForAccount(accountId, clock.GetUtcNow().UtcDateTime).FirstOrDefaultAsync(t => t.Id == transferId, cancellationToken);
        if (transfer is null || !await AcceptAsync(transfer, "in the portal", cancellationToken))
        {
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The patient declines in the portal. False when the request is not theirs, not open, or was decided meanwhile.</summary>
    public async Task<bool> DeclineAsync(Guid accountId, Guid transferId, CancellationToken cancellationToken)
    {
        var transfer = await OpenForAccount(accountId, clock.GetUtcNow().UtcDateTime).FirstOrDefaultAsync(t => t.Id == transferId, cancellationToken);
        if (transfer is null)
        {
            return false;
        }
        transfer.Status = TransferStatus.Declined;
        transfer.DecidedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.EnrolmentTransferDeclined, patientId: transfer.PatientId, practiceId: transfer.ToPracticeId,
            resourceType: "EnrolmentTransfer", resourceId: transfer.Id);
        return await SaveUnlessDecidedMeanwhileAsync(cancellationToken);
    }

    /// <summary>
    /// Staff at the requesting practice enter the code the patient gave them. The answer is the same for an unknown
    /// NHI, a patient with no open request and a wrong code; wrong codes count against the request, which is cancelled
    /// after <see cref="MaxCodeAttempts"/>. Concurrent attempts each count: the count is a concurrency token.
    /// </summary>
    public async Task<bool> ConfirmWithCodeAsync(Guid practiceId, string? nhi, string? code, CancellationToken cancellationToken)
    {
        var normal = Nhi.Validate(nhi) is null ? Nhi.Normalise(nhi!) : null;
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var transfer = normal is null ? null : await db.EnrolmentTransfers
                .Where(t => t.ToPracticeId == practiceId && t.Status == TransferStatus.Pending && t.ExpiresAt > now
                            && db.Patients.Any(p => p.Id == t.PatientId && p.Nhi == normal))
                .OrderByDescending(t => t.RequestedAt)
                .FirstOrDefaultAsync(cancellationToken);
            if (transfer is null || !Secrets.Matches(transfer.CodeHash, code))
            {
                if (transfer is not null && ++transfer.FailedCodeAttempts >= MaxCodeAttempts)
                {
                    transfer.Status = TransferStatus.Cancelled;
                    transfer.DecidedAt = now;
                }
                audit.Record(AuditAction.EnrolmentTransferRefused, AuditOutcome.Denied, patientId: transfer?.PatientId, practiceId: practiceId,
                    resourceType: "EnrolmentTransfer", resourceId: transfer?.Id, detail: "code not recognised");
                if (await SaveUnlessDecidedMeanwhileAsync(cancellationToken))
                {
                    await transaction.CommitAsync(cancellationToken);
                }
                return false;
            }
            if (!await AcceptAsync(transfer, "with the code", cancellationToken))
            {
                return false;
            }
            await transaction.CommitAsync(cancellationToken);
        }
        return true;
    }

    /// <summary>Records that someone tried to enrol a registered patient with details that did not match theirs.</summary>
    internal void RecordMismatch(Guid patientId, Guid practiceId, Guid? staffAccountId) =>
        audit.Record(AuditAction.EnrolmentTransferRefused, AuditOutcome.Denied, patientId: patientId, practiceId: practiceId,
            resourceType: "Patient", resourceId: patientId, detail: "details did not match", actorAccountId: staffAccountId);

    private IQueryable<EnrolmentTransfer> OpenForAccount(Guid accountId, DateTime now) =>
        db.EnrolmentTransfers.Where(t => t.Status == TransferStatus.Pending && t.ExpiresAt > now
                                         && access.OwnPatientId(accountId).Any(id => id == t.PatientId));

    /// <summary>
    /// Ends the request as agreed, moves the enrolment and queues the e-mails that tell the patient and the practice they
    /// leave, in the caller's transaction. False when the practice has left Kaitiaki or someone decided the request at the
    /// same moment.
    /// </summary>
    private async Task<bool> AcceptAsync(EnrolmentTransfer transfer, string how, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var to = await db.Practices.AsNoTracking().FirstAsync(p => p.Id == transfer.ToPracticeId, cancellationToken);
        if (to.Status != PracticeStatus.Active)
        {
            return false;
        }
        var patient = await db.Patients.AsNoTracking().FirstAsync(p => p.Id == transfer.PatientId, cancellationToken);
        var from = await PracticeLeftForAsync(patient.Id, to.Id, cancellationToken);
        transfer.Status = TransferStatus.Accepted;
        transfer.DecidedAt = now;
        audit.Record(AuditAction.EnrolmentTransferAccepted, patientId: transfer.PatientId, practiceId: transfer.ToPracticeId,
            resourceType: "EnrolmentTransfer", resourceId: transfer.Id, detail: how);
        var enrolled = await access.CurrentEnrolments().AnyAsync(
            e => e.PatientId == transfer.PatientId && e.PracticeId == transfer.ToPracticeId, cancellationToken);
        if (!enrolled)
        {
            await EnrolAsync(transfer.PatientId, transfer.ToPracticeId, DateOnly.FromDateTime(now), cancellationToken);
        }
        if (!await SaveUnlessDecidedMeanwhileAsync(cancellationToken))
        {
            return false;
        }

        await outbox.EmailAsync($"transfer-accepted/{transfer.Id}", await AddressOfAsync(patient, cancellationToken), "transfer-accepted",
            new Dictionary<string, string>
            {
                ["Name"] = patient.GivenName,
                ["How"] = how,
                ["Practice"] = to.Name,
                ["FromNote"] = from is null ? "." : $", and {from.Name} can no longer see your records.",
            }, cancellationToken);
        if (from is not null)
        {
            await outbox.EmailAsync($"transfer-accepted/{transfer.Id}", from.PrivacyContactEmail, "transfer-accepted-practice",
                new Dictionary<string, string>
                {
                    ["Name"] = from.PrivacyContactName,
                    ["Patient"] = patient.DisplayName,
                    ["Nhi"] = patient.Nhi,
                    ["Practice"] = to.Name,
                    ["From"] = from.Name,
                }, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The practice the patient is enrolled with now, other than <paramref name="to"/>: the one a move would leave.</summary>
    private Task<Practice?> PracticeLeftForAsync(Guid patientId, Guid to, CancellationToken cancellationToken) =>
        access.CurrentEnrolments().Where(e => e.PatientId == patientId && e.PracticeId != to)
            .Join(db.Practices, e => e.PracticeId, p => p.Id, (e, p) => p)
            .AsNoTracking()
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>The patient's own address: the one their account proved, or failing that the one their practice recorded.</summary>
    private async Task<string> AddressOfAsync(Patient patient, CancellationToken cancellationToken) =>
        await db.Users.Where(a => a.PatientId == patient.Id).Select(a => a.Email).FirstOrDefaultAsync(cancellationToken) ?? patient.Email;

    /// <summary>Saves, unless another request decided the same transfer (or counted an attempt) since it was read.</summary>
    private async Task<bool> SaveUnlessDecidedMeanwhileAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
