using System.Net.Mail;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Notifications;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices;

/// <summary>A rule the input broke, with the field it belongs to, in words for the person who typed it.</summary>
internal sealed class ValidationFailedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

internal enum RegistrationOutcome
{
    /// <summary>A new patient: added, enrolled at the practice and (when asked) invited.</summary>
    Registered,

    /// <summary>Already registered, details matched: the patient has been asked to agree to move. Nothing is granted yet.</summary>
    TransferRequested,

    /// <summary>Already enrolled at this practice: nothing changed.</summary>
    AlreadyEnrolled,

    /// <summary>The NHI is registered with other details: nothing changed, and the attempt is on the patient's trail.</summary>
    NotMatched,
}

/// <summary>
/// What registering a patient did. Only a new patient is returned: for a registered one, the caller learns nothing it
/// could not see before. Pages must not show the outcome to staff (<see cref="RegistrationOutcome"/> is for tests and
/// logs of the portal itself), so that the answer never tells whether an NHI and a date of birth match someone.
/// </summary>
internal sealed record Registration(RegistrationOutcome Outcome, Patient? NewPatient, string? ActivationCode);

internal sealed record NewPatient(string? Nhi, string? GivenName, string? FamilyName, DateOnly? DateOfBirth, string? Email, string? Mobile, ContactMethod PreferredContact);

internal sealed record PanelPatient(Guid Id, string Name, string Nhi, DateOnly DateOfBirth, DateOnly EnrolledOn, bool HasAccount);

internal sealed record PanelPage(List<PanelPatient> Patients, int Total, int Page, int Pages);

/// <summary>A patient as <c>GET /api/v1/patients</c> lists them, with the practice they are on the list of.</summary>
internal sealed record ListedPatient(Guid Id, string Nhi, string Name, DateOnly DateOfBirth, Guid PracticeId);

internal sealed record PatientListPage(List<ListedPatient> Patients, bool HasNext);

/// <summary>Practices, patients, enrolments and proxy grants. Every change is audited in its own transaction.</summary>
internal sealed class PracticeService(
    KaitiakiDb db, AuditTrail audit, InvitationService invitations, EnrolmentService enrolments, PatientAccess access,
    TimeProvider clock)
{
    public async Task<Practice> CreatePracticeAsync(string name, string hpiFacilityId, string privacyContactName, string privacyContactEmail, CancellationToken cancellationToken)
    {
        Require("name", name, "Enter the practice's name.");
        RequirePlain("name", name, "The practice's name");
        if (HpiFacilityId.Validate(hpiFacilityId) is { } problem)
        {
            throw new ValidationFailedException("hpiFacilityId", problem);
        }
        Require("privacyContactName", privacyContactName, "Enter the name of the practice's privacy contact.");
        RequirePlain("privacyContactName", privacyContactName, "The privacy contact's name");
        RequireEmail("privacyContactEmail", privacyContactEmail);
        var id = hpiFacilityId.Trim().ToUpperInvariant();
        if (await db.Practices.AnyAsync(p => p.HpiFacilityId == id, cancellationToken))
        {
            throw new ValidationFailedException("hpiFacilityId", "A practice with this HPI facility id is already registered.");
        }
        var practice = new Practice
        {
            Name = name.Trim(),
            HpiFacilityId = id,
            PrivacyContactName = privacyContactName.Trim(),
            PrivacyContactEmail = privacyContactEmail.Trim(),
        };
        db.Practices.Add(practice);
        audit.Record(AuditAction.PracticeCreated, practiceId: practice.Id, resourceType: "Practice", resourceId: practice.Id);
        await db.SaveChangesAsync(cancellationToken);
        return practice;
    }

    /// <summary>Marks a practice as having left the portal. It keeps its record and contacts.</summary>
    public async Task MarkLeftAsync(Guid practiceId, DateOnly leftOn, CancellationToken cancellationToken)
    {
        var practice = await db.Practices.FirstAsync(p => p.Id == practiceId, cancellationToken);
        practice.Status = PracticeStatus.Left;
        practice.LeftOn = leftOn;
        audit.Record(AuditAction.PracticeLeft, practiceId: practice.Id, resourceType: "Practice", resourceId: practice.Id);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Adds a new patient, enrols them at the practice and, when asked, invites them — all or nothing. A patient already
    /// known by NHI is never enrolled from these details alone: when the date of birth matches they are asked to agree
    /// to the move (<see cref="EnrolmentService.RequestTransferAsync"/>), and until they do the practice reads nothing.
    /// </summary>
    public async Task<Registration> RegisterPatientAsync(
        Guid practiceId, NewPatient input, bool invite, Guid? staffAccountId, CancellationToken cancellationToken)
    {
        if (Nhi.Validate(input.Nhi) is { } nhiProblem)
        {
            throw new ValidationFailedException("nhi", nhiProblem);
        }
        Require("givenName", input.GivenName, "Enter the patient's given name.");
        Require("familyName", input.FamilyName, "Enter the patient's family name.");
        // Refused, not cleaned: staff typed the names and can correct them, and a name must read as what it is.
        RequirePlain("givenName", input.GivenName, "The given name");
        RequirePlain("familyName", input.FamilyName, "The family name");
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (input.DateOfBirth is not { } dob || dob > today || dob < today.AddYears(-130))
        {
            throw new ValidationFailedException("dateOfBirth", "Enter the patient's date of birth; it cannot be in the future.");
        }
        RequireEmail("email", input.Email);
        if (input.PreferredContact == ContactMethod.Sms && string.IsNullOrWhiteSpace(input.Mobile))
        {
            throw new ValidationFailedException("mobile", "Enter a mobile number, or choose another way to be contacted.");
        }
        RequirePlain("mobile", input.Mobile, "The mobile number");

        var nhi = Nhi.Normalise(input.Nhi!);
        // Checked for every NHI, so that this refusal cannot tell a new NHI from a registered one.
        var normalisedEmail = input.Email!.Trim().ToUpperInvariant();
        if (invite && await db.Users.AnyAsync(a => a.NormalizedEmail == normalisedEmail, cancellationToken))
        {
            throw new ValidationFailedException("email", "An account with this e-mail address already exists. Please check the address with the patient.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var practice = await db.Practices.FirstOrDefaultAsync(p => p.Id == practiceId, cancellationToken)
            ?? throw new ValidationFailedException("practiceId", "That practice does not exist.");
        if (practice.Status == PracticeStatus.Left)
        {
            throw new ValidationFailedException("practiceId", "This practice has left Kaitiaki and cannot enrol patients.");
        }
        var registered = await db.Patients.AsNoTracking().FirstOrDefaultAsync(p => p.Nhi == nhi, cancellationToken);
        if (registered is not null)
        {
            // The e-mails are queued in the outbox with the request and leave later, so the answer takes as long whether or
            // not the details matched.
            var outcome = await RequestMoveAsync(registered, practice, dob, staffAccountId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new Registration(outcome, null, null);
        }

        var patient = new Patient
        {
            Nhi = nhi,
            GivenName = input.GivenName!.Trim(),
            FamilyName = input.FamilyName!.Trim(),
            DateOfBirth = dob,
            Email = input.Email!.Trim(),
            Mobile = string.IsNullOrWhiteSpace(input.Mobile) ? null : input.Mobile.Trim(),
            PreferredContact = input.PreferredContact,
        };
        db.Patients.Add(patient);
        audit.Record(AuditAction.PatientCreated, patientId: patient.Id, practiceId: practiceId, resourceType: "Patient", resourceId: patient.Id);
        await enrolments.EnrolAsync(patient.Id, practiceId, today, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        string? code = null;
        if (invite)
        {
            try
            {
                code = (await invitations.InvitePatientAsync(patient, practiceId, staffAccountId, cancellationToken)).Code;
            }
            catch (InvitationException ex)
            {
                throw new ValidationFailedException("email", ex.Message);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new Registration(RegistrationOutcome.Registered, patient, code);
    }

    private async Task<RegistrationOutcome> RequestMoveAsync(
        Patient registered, Practice practice, DateOnly dateOfBirth, Guid? staffAccountId, CancellationToken cancellationToken)
    {
        if (registered.DateOfBirth != dateOfBirth)
        {
            enrolments.RecordMismatch(registered.Id, practice.Id, staffAccountId);
            await db.SaveChangesAsync(cancellationToken);
            return RegistrationOutcome.NotMatched;
        }
        if (await access.CurrentEnrolments().AnyAsync(e => e.PatientId == registered.Id && e.PracticeId == practice.Id, cancellationToken))
        {
            return RegistrationOutcome.AlreadyEnrolled;
        }
        await enrolments.RequestTransferAsync(registered, practice, staffAccountId, cancellationToken);
        return RegistrationOutcome.TransferRequested;
    }

    public async Task<ProxyGrant> GrantProxyAsync(Guid proxyAccountId, Guid patientId, ProxyReason reason, DateTime? expiresAt, CancellationToken cancellationToken)
    {
        var grant = new ProxyGrant
        {
            ProxyAccountId = proxyAccountId,
            PatientId = patientId,
            Reason = reason,
            GrantedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = expiresAt,
        };
        db.ProxyGrants.Add(grant);
        audit.Record(AuditAction.ProxyGrantCreated, patientId: patientId, resourceType: "ProxyGrant", resourceId: grant.Id);
        await db.SaveChangesAsync(cancellationToken);
        return grant;
    }

    public const int PanelPageSize = 20;

    /// <summary>
    /// One page of the patients enrolled today at a practice where the staff member is a clinician or administrator,
    /// optionally narrowed by a name or NHI; the practice and role filters are part of the query. Each patient shown is
    /// a read of that patient, audited, and the guards are asked about every one before the page is shown.
    /// </summary>
    public async Task<PanelPage> PanelPageAsync(Guid staffAccountId, Guid practiceId, string? search, int page, CancellationToken cancellationToken)
    {
        var panel = access.PatientListEnrolments(staffAccountId).Where(e => e.PracticeId == practiceId);
        var query = db.Patients.AsNoTracking().Where(p => panel.Any(e => e.PatientId == p.Id));
        if (search?.Trim() is { Length: > 0 } wanted)
        {
            var lower = wanted.ToLowerInvariant();
            var upper = wanted.ToUpperInvariant();
            // EF turns ToLower().Contains into SQL on both databases; the overload with a StringComparison has no translation.
#pragma warning disable CA1862
            query = query.Where(p => p.Nhi == upper || (p.GivenName + " " + p.FamilyName).ToLower().Contains(lower));
#pragma warning restore CA1862
        }
        var total = await query.CountAsync(cancellationToken);
        var pages = Math.Max(1, (total + PanelPageSize - 1) / PanelPageSize);
        page = Math.Clamp(page, 1, pages);
        var rows = await query
            .OrderBy(p => p.FamilyName).ThenBy(p => p.GivenName).ThenBy(p => p.Id)
            .Skip((page - 1) * PanelPageSize).Take(PanelPageSize)
            .Select(p => new PanelPatient(p.Id, p.GivenName + " " + p.FamilyName, p.Nhi, p.DateOfBirth,
                panel.Where(e => e.PatientId == p.Id).Select(e => e.StartedOn).First(),
                db.Users.Any(a => a.PatientId == p.Id)))
            .ToListAsync(cancellationToken);
        foreach (var p in rows)
        {
            audit.Record(AuditAction.PatientListViewed, patientId: p.Id, practiceId: practiceId);
        }
        await audit.SaveReadsAsync(cancellationToken);
        return new PanelPage(rows, total, page, pages);
    }

    public const int ListPageSize = 50;

    /// <summary>
    /// One page of every patient on the patient lists the staff member may see today, at all their practices
    /// (<see cref="PatientAccess.PatientListEnrolments"/>, the page's own rule), in a stable order; null when they may see
    /// no patient list at all. Each patient on the page is a read of that patient, recorded as the page records it, and
    /// the guards are asked about every one before anything is returned. A page past the end is empty and records nothing.
    /// </summary>
    public async Task<PatientListPage?> PatientListPageAsync(Guid staffAccountId, int page, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        if (!await access.CurrentMemberships(PatientAccess.PatientListRoles).AnyAsync(m => m.AccountId == staffAccountId, cancellationToken))
        {
            return null;
        }
        if (page > int.MaxValue / ListPageSize)
        {
            return new PatientListPage([], HasNext: false);
        }
        // One more than a page, so the answer can say whether there is a next page without counting the whole list.
        var rows = await access.PatientListEnrolments(staffAccountId)
            .Join(db.Patients, e => e.PatientId, p => p.Id, (e, p) => new { p.Id, p.Nhi, p.GivenName, p.FamilyName, p.DateOfBirth, e.PracticeId })
            .OrderBy(r => r.FamilyName).ThenBy(r => r.GivenName).ThenBy(r => r.Id).ThenBy(r => r.PracticeId)
            .Skip((page - 1) * ListPageSize).Take(ListPageSize + 1)
            .Select(r => new ListedPatient(r.Id, r.Nhi, r.GivenName + " " + r.FamilyName, r.DateOfBirth, r.PracticeId))
            .ToListAsync(cancellationToken);
        var shown = rows.Take(ListPageSize).ToList();
        foreach (var p in shown)
        {
            audit.Record(AuditAction.PatientListViewed, patientId: p.Id, practiceId: p.PracticeId);
        }
        await audit.SaveReadsAsync(cancellationToken);
        return new PatientListPage(shown, HasNext: rows.Count > ListPageSize);
    }

    private static void Require(string field, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ValidationFailedException(field, message);
        }
    }

    private static void RequirePlain(string field, string? value, string what)
    {
        if (PlainText.Problem(value, what) is { } problem)
        {
            throw new ValidationFailedException(field, problem);
        }
    }

    private static void RequireEmail(string field, string? value)
    {
        RequirePlain(field, value, "The e-mail address");
        if (string.IsNullOrWhiteSpace(value) || !MailAddress.TryCreate(value.Trim(), out var parsed) || parsed.Address != value.Trim())
        {
            throw new ValidationFailedException(field, "Enter a valid e-mail address, like name@example.co.nz.");
        }
    }
}
