using System.Net.Mail;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices;

/// <summary>A rule the input broke, with the field it belongs to, in words for the person who typed it.</summary>
public sealed class ValidationFailedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

public sealed record NewPatient(string? Nhi, string? GivenName, string? FamilyName, DateOnly? DateOfBirth, string? Email, string? Mobile, ContactMethod PreferredContact);

/// <summary>Practices, patients, enrolments and proxy grants. Every change is audited in its own transaction.</summary>
public sealed class PracticeService(KaitiakiDb db, AuditTrail audit, InvitationService invitations, TimeProvider clock)
{
    public async Task<Practice> CreatePracticeAsync(string name, string hpiFacilityId, string privacyContactName, string privacyContactEmail, CancellationToken cancellationToken)
    {
        Require("name", name, "Enter the practice's name.");
        if (HpiFacilityId.Validate(hpiFacilityId) is { } problem)
        {
            throw new ValidationFailedException("hpiFacilityId", problem);
        }
        Require("privacyContactName", privacyContactName, "Enter the name of the practice's privacy contact.");
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
    /// Adds a patient, enrols them at the practice and, when asked, invites them — all or nothing.
    /// A patient already known by NHI is enrolled rather than duplicated.
    /// </summary>
    public async Task<(Patient Patient, string? ActivationCode)> RegisterPatientAsync(
        Guid practiceId, NewPatient input, bool invite, Guid? staffAccountId, CancellationToken cancellationToken)
    {
        if (Nhi.Validate(input.Nhi) is { } nhiProblem)
        {
            throw new ValidationFailedException("nhi", nhiProblem);
        }
        Require("givenName", input.GivenName, "Enter the patient's given name.");
        Require("familyName", input.FamilyName, "Enter the patient's family name.");
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

        var nhi = Nhi.Normalise(input.Nhi!);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var practice = await db.Practices.FirstOrDefaultAsync(p => p.Id == practiceId, cancellationToken)
            ?? throw new ValidationFailedException("practiceId", "That practice does not exist.");
        if (practice.Status == PracticeStatus.Left)
        {
            throw new ValidationFailedException("practiceId", "This practice has left Kaitiaki and cannot enrol patients.");
        }
        var patient = await db.Patients.FirstOrDefaultAsync(p => p.Nhi == nhi, cancellationToken);
        if (patient is null)
        {
            patient = new Patient
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
        }
        else if (patient.DateOfBirth != dob)
        {
            throw new ValidationFailedException("dateOfBirth", "A patient with this NHI is already registered with a different date of birth. Please check the details.");
        }
        await EnrolAsync(patient.Id, practiceId, today, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        string? code = null;
        if (invite && !await db.Users.AnyAsync(a => a.PatientId == patient.Id, cancellationToken))
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
        return (patient, code);
    }

    /// <summary>Enrols a patient, ending any current enrolment elsewhere. Refuses a duplicate enrolment at the same practice.</summary>
    public async Task EnrolAsync(Guid patientId, Guid practiceId, DateOnly startedOn, CancellationToken cancellationToken)
    {
        var current = await db.Enrolments.Where(e => e.PatientId == patientId && e.EndedOn == null).ToListAsync(cancellationToken);
        if (current.Any(e => e.PracticeId == practiceId))
        {
            throw new ValidationFailedException("nhi", "This patient is already enrolled at this practice.");
        }
        foreach (var old in current)
        {
            old.EndedOn = startedOn;
            audit.Record(AuditAction.EnrolmentEnded, patientId: patientId, practiceId: old.PracticeId, resourceType: "Enrolment", resourceId: old.Id);
        }
        var enrolment = new Enrolment { PatientId = patientId, PracticeId = practiceId, StartedOn = startedOn };
        db.Enrolments.Add(enrolment);
        audit.Record(AuditAction.EnrolmentStarted, patientId: patientId, practiceId: practiceId, resourceType: "Enrolment", resourceId: enrolment.Id);
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

    /// <summary>Patients enrolled today at a practice the staff member works at; the practice filter is part of the query.</summary>
    public async Task<List<Patient>> ListEnrolledPatientsAsync(Guid staffAccountId, Guid practiceId, CancellationToken cancellationToken)
    {
        var patients = await db.Patients.AsNoTracking()
            .Where(p => db.Enrolments.Any(e => e.PatientId == p.Id && e.PracticeId == practiceId && e.EndedOn == null)
                        && db.StaffMemberships.Any(m => m.AccountId == staffAccountId && m.PracticeId == practiceId && m.EndedAt == null
                                                        && m.Role == StaffRole.Clinician))
            .OrderBy(p => p.FamilyName).ThenBy(p => p.GivenName)
            .ToListAsync(cancellationToken);
        foreach (var p in patients)
        {
            audit.Record(AuditAction.PatientListViewed, patientId: p.Id, practiceId: practiceId);
        }
        await db.SaveChangesAsync(cancellationToken);
        return patients;
    }

    private static void Require(string field, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ValidationFailedException(field, message);
        }
    }

    private static void RequireEmail(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !MailAddress.TryCreate(value.Trim(), out var parsed) || parsed.Address != value.Trim())
        {
            throw new ValidationFailedException(field, "Enter a valid e-mail address, like name@example.co.nz.");
        }
    }
}
