using Kaitiaki.Storage;

namespace Kaitiaki.Practices;

internal enum PracticeStatus
{
    Active = 0,
    Left = 1,
}

/// <summary>A general practice. Practices are never deleted: one that left keeps its contacts.</summary>
[AccessState]
internal sealed class Practice
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public required string HpiFacilityId { get; set; }
    public PracticeStatus Status { get; set; }
    public DateOnly? LeftOn { get; set; }
    public required string PrivacyContactName { get; set; }
    public required string PrivacyContactEmail { get; set; }
}

internal enum ContactMethod
{
    Email = 0,
    Sms = 1,
    Letter = 2,
}

[AccessState]
internal sealed class Patient
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Nhi { get; set; }
    public required string GivenName { get; set; }
    public required string FamilyName { get; set; }
    public DateOnly DateOfBirth { get; set; }
    public required string Email { get; set; }
    public string? Mobile { get; set; }
    public ContactMethod PreferredContact { get; set; }

    /// <summary>
    /// A decoy planted by the security team (a canary): listed like anyone else, so a bulk harvest touches it, but no
    /// real person. Reading its data contains the caller; it never counts as a patient in counts, scopes or notices.
    /// </summary>
    public bool IsDecoy { get; set; }

    public string DisplayName => $"{GivenName} {FamilyName}";
}

/// <summary>A patient's enrolment at a practice. Ending one keeps the row, so history survives a move.</summary>
[AccessState(CountsInserts = true)]
internal sealed class Enrolment
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid PatientId { get; set; }
    public Guid PracticeId { get; set; }
    public DateOnly StartedOn { get; set; }
    public DateOnly? EndedOn { get; set; }
}

internal enum StaffRole
{
    Clinician = 1,
    PracticeAdministrator = 2,
    PrivacyOfficer = 3,
}

[AccessState(CountsInserts = true)]
internal sealed class StaffMembership
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid AccountId { get; set; }
    public Guid PracticeId { get; set; }
    public StaffRole Role { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
}

internal enum ProxyReason
{
    ParentOfChild = 1,
    NamedByPatient = 2,
}

/// <summary>Lets the holder's account act for a patient until it expires or is revoked.</summary>
[AccessState(CountsInserts = true)]
internal sealed class ProxyGrant
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProxyAccountId { get; set; }
    public Guid PatientId { get; set; }
    public ProxyReason Reason { get; set; }
    public DateTime GrantedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
