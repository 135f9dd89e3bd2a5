using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Incidents;

/// <summary>
/// A breach response: when the operator became aware, the harm assessment, the timeline, the agencies told, and the
/// scope versions that say exactly who was affected. Incidents are never deleted.
/// </summary>
internal sealed class Incident
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Title { get; set; }

    /// <summary>When the operator became aware of the breach: the Privacy Commissioner's 72 hours run from here.</summary>
    public DateTime AwareAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }

    /// <summary>The security alert the incident was opened from, when it was.</summary>
    public Guid? AlertId { get; set; }

    /// <summary>The person the Commissioner, practices and patients are told to contact.</summary>
    public string? ContactName { get; set; }
    public string? ContactEmail { get; set; }
    public string? ContactPhone { get; set; }

    /// <summary>When the Privacy Commissioner was notified; null until then (the 72-hour clock is still running).</summary>
    public DateTime? CommissionerNotifiedAt { get; set; }

    public DateTime? ClosedAt { get; set; }
}

/// <summary>The s113 factors a harm assessment weighs. The numbers are stored: add, never renumber.</summary>
internal enum HarmFactor
{
    /// <summary>s113(a): any action taken to reduce the risk of harm.</summary>
    ActionsTaken = 1,

    /// <summary>s113(b): whether the information is sensitive.</summary>
    Sensitivity = 2,

    /// <summary>s113(c): the nature of the harm that may be caused.</summary>
    NatureOfHarm = 3,

    /// <summary>s113(d): the person or body that has obtained or may obtain the information, as far as known.</summary>
    WhoHolds = 4,

    /// <summary>s113(e): whether the information is protected by a security measure.</summary>
    SecurityProtection = 5,

    /// <summary>s113(f): any other relevant matters.</summary>
    OtherMatters = 6,
}

/// <summary>One assessment of one harm factor, with its reason. A newer one for the same factor supersedes it; none is deleted.</summary>
internal sealed class HarmAssessment
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }
    public HarmFactor Factor { get; set; }
    public required string Finding { get; set; }
    public required string Reason { get; set; }
    public DateTime RecordedAt { get; set; }
    public Guid RecordedBy { get; set; }
}

/// <summary>What a timeline entry records. The numbers are stored: add, never renumber.</summary>
internal enum TimelineKind
{
    Opened = 1,
    Containment = 2,
    ScopeVersion = 3,
    Freeze = 4,
    Review = 5,
    Call = 6,
    Agency = 7,
    Decision = 8,
    Note = 9,
    HarmAssessment = 10,
}

/// <summary>One line of an incident's timeline: added by the portal for what it did, or by a person for a call or a decision.</summary>
internal sealed class TimelineEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }
    public DateTime At { get; set; }
    public TimelineKind Kind { get; set; }
    public required string Text { get; set; }

    /// <summary>Who added it; null when the portal did.</summary>
    public Guid? By { get; set; }

    /// <summary>What it is about (a containment action, a scope version), when anything.</summary>
    public Guid? RefId { get; set; }
}

/// <summary>The agencies an incident is reported to. The numbers are stored: add, never renumber.</summary>
internal enum Agency
{
    HealthNz = 1,
    PrivacyCommissioner = 2,
    Ncsc = 3,
    Police = 4,
    Other = 9,
}

/// <summary>An agency told about an incident: when, whom, and their reference.</summary>
internal sealed class AgencyContact
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }
    public Agency Agency { get; set; }

    /// <summary>The agency's name when it is <see cref="Agency.Other"/>.</summary>
    public string? OtherName { get; set; }

    public DateTime ContactedAt { get; set; }
    public string? ContactPerson { get; set; }
    public string? Reference { get; set; }
    public Guid RecordedBy { get; set; }
}

/// <summary>
/// One version of an incident's scope: the filter as written, and what running it over the audit trail found. A frozen
/// version never changes; a new filter is a new version.
/// </summary>
internal sealed class ScopeVersion
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }

    /// <summary>1, 2, 3 … within the incident.</summary>
    public int Version { get; set; }

    /// <summary>The filter, as canonical JSON (<see cref="ScopeFilter"/>).</summary>
    public required string Filter { get; set; }

    public DateTime CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTime? FrozenAt { get; set; }
    public Guid? FrozenBy { get; set; }

    /// <summary>When practices' review of this version is due; set when it is frozen.</summary>
    public DateTime? ReviewDueAt { get; set; }

    public int Patients { get; set; }
    public int Documents { get; set; }
    public int ContentDocuments { get; set; }
    public int MetadataDocuments { get; set; }
    public int Practices { get; set; }

    /// <summary>How many audit events the filter matched.</summary>
    public long EventsMatched { get; set; }

    /// <summary>Whether the audit trail over the window verified when the scope ran; if not, every page says so.</summary>
    public bool TrailVerified { get; set; }

    /// <summary>The verifier's own words about the window.</summary>
    public required string TrailMessage { get; set; }
}

/// <summary>How much of a document a scope found disclosed. The numbers are stored: add, never renumber.</summary>
internal enum Disclosure
{
    /// <summary>The content was downloaded or previewed.</summary>
    Content = 1,

    /// <summary>Only its metadata (title, date, size) was listed or viewed.</summary>
    Metadata = 2,
}

/// <summary>One document a scope version found disclosed.</summary>
internal sealed class ScopeDocument
{
    public Guid ScopeVersionId { get; set; }
    public Guid DocumentId { get; set; }
    public Guid PatientId { get; set; }
    public Disclosure Disclosure { get; set; }
    public DateTime FirstAccessedAt { get; set; }
    public DateTime LastAccessedAt { get; set; }
}

/// <summary>One patient a scope version found affected: content if any document's content was disclosed, metadata otherwise.</summary>
internal sealed class ScopePatient
{
    public Guid ScopeVersionId { get; set; }
    public Guid PatientId { get; set; }
    public Disclosure Disclosure { get; set; }
    public int Documents { get; set; }
    public DateTime FirstAccessedAt { get; set; }
    public DateTime LastAccessedAt { get; set; }
}

/// <summary>
/// A practice's tie to an affected patient in a scope version: enrolled there at the time of access, now, or both. A
/// practice's slice of a version is these rows.
/// </summary>
internal sealed class ScopePractice
{
    public Guid ScopeVersionId { get; set; }
    public Guid PracticeId { get; set; }
    public Guid PatientId { get; set; }
    public bool AtAccess { get; set; }
    public bool Now { get; set; }
}

/// <summary>A practice's approval of a scope version's list of its patients.</summary>
internal sealed class PracticeApproval
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }
    public Guid PracticeId { get; set; }
    public int Version { get; set; }
    public DateTime ApprovedAt { get; set; }
    public Guid ApprovedBy { get; set; }

    /// <summary>Whether the approval came after the version's review deadline; the incident manager sees it.</summary>
    public bool Late { get; set; }
}

/// <summary>
/// A practice's flag on a patient for clinician-led contact instead of an automatic notice (Privacy Act s116), with
/// the reason. Removing a flag keeps the row.
/// </summary>
internal sealed class VulnerableFlag
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid IncidentId { get; set; }
    public Guid PracticeId { get; set; }
    public Guid PatientId { get; set; }
    public int Version { get; set; }
    public required string Reason { get; set; }
    public DateTime FlaggedAt { get; set; }
    public Guid FlaggedBy { get; set; }
    public DateTime? RemovedAt { get; set; }
    public Guid? RemovedBy { get; set; }

    /// <summary>When the practice released the patient for a notice after clinician-led contact (part 2 sends it).</summary>
    public DateTime? ReleasedAt { get; set; }
}

/// <summary>
/// The phrase a patient's breach notices carry and the portal's security page shows, so a real notice can be told from
/// a copy. Random per patient, never reused, and made from nothing guessable.
/// </summary>
internal sealed class VerificationPhrase
{
    public Guid PatientId { get; set; }
    public required string Phrase { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A helpline call a support agent logged: whom about, when, and a short note. Never clinical content.</summary>
internal sealed class HelplineCall
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid AgentAccountId { get; set; }
    public Guid PatientId { get; set; }
    public Guid? IncidentId { get; set; }
    public DateTime At { get; set; }

    /// <summary>The status the agent read out: impacted, not-impacted, under-review or no-incident.</summary>
    public required string StatusGiven { get; set; }

    public string? Note { get; set; }
}

internal sealed class IncidentConfiguration :
    IEntityTypeConfiguration<Incident>, IEntityTypeConfiguration<HarmAssessment>, IEntityTypeConfiguration<TimelineEntry>,
    IEntityTypeConfiguration<AgencyContact>, IEntityTypeConfiguration<ScopeVersion>, IEntityTypeConfiguration<ScopeDocument>,
    IEntityTypeConfiguration<ScopePatient>, IEntityTypeConfiguration<ScopePractice>, IEntityTypeConfiguration<PracticeApproval>,
    IEntityTypeConfiguration<VulnerableFlag>, IEntityTypeConfiguration<VerificationPhrase>, IEntityTypeConfiguration<HelplineCall>
{
    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.Property(x => x.Title).HasMaxLength(200);
        builder.Property(x => x.ContactName).HasMaxLength(200);
        builder.Property(x => x.ContactEmail).HasMaxLength(256);
        builder.Property(x => x.ContactPhone).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<HarmAssessment> builder)
    {
        builder.HasIndex(x => new { x.IncidentId, x.Factor, x.RecordedAt });
        builder.Property(x => x.Finding).HasMaxLength(2000);
        builder.Property(x => x.Reason).HasMaxLength(2000);
    }

    public void Configure(EntityTypeBuilder<TimelineEntry> builder)
    {
        builder.HasIndex(x => new { x.IncidentId, x.At });
        builder.Property(x => x.Text).HasMaxLength(2000);
    }

    public void Configure(EntityTypeBuilder<AgencyContact> builder)
    {
        builder.HasIndex(x => x.IncidentId);
        builder.Property(x => x.OtherName).HasMaxLength(200);
        builder.Property(x => x.ContactPerson).HasMaxLength(200);
        builder.Property(x => x.Reference).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<ScopeVersion> builder)
    {
        builder.HasIndex(x => new { x.IncidentId, x.Version }).IsUnique();
        builder.Property(x => x.TrailMessage).HasMaxLength(1000);
    }

    public void Configure(EntityTypeBuilder<ScopeDocument> builder)
    {
        // By patient: a page of patients reads their documents from a few pages of the key, and a version's hundreds of
        // thousands of rows are written into one index, not two (a document belongs to one patient, so the key is as unique).
        builder.HasKey(x => new { x.ScopeVersionId, x.PatientId, x.DocumentId });
    }

    public void Configure(EntityTypeBuilder<ScopePatient> builder)
    {
        builder.HasKey(x => new { x.ScopeVersionId, x.PatientId });
        builder.HasIndex(x => x.PatientId);
    }

    public void Configure(EntityTypeBuilder<ScopePractice> builder)
    {
        builder.HasKey(x => new { x.ScopeVersionId, x.PracticeId, x.PatientId });
        // A page of patients finds each one's practices, then and now, by patient, from the index alone.
        builder.HasIndex(x => new { x.ScopeVersionId, x.PatientId, x.PracticeId, x.AtAccess, x.Now });
    }

    public void Configure(EntityTypeBuilder<PracticeApproval> builder)
    {
        builder.HasIndex(x => new { x.IncidentId, x.PracticeId, x.Version }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<VulnerableFlag> builder)
    {
        builder.HasIndex(x => new { x.IncidentId, x.PracticeId, x.PatientId });
        builder.Property(x => x.Reason).HasMaxLength(1000);
    }

    public void Configure(EntityTypeBuilder<VerificationPhrase> builder)
    {
        builder.HasKey(x => x.PatientId);
        builder.HasIndex(x => x.Phrase).IsUnique();
        builder.Property(x => x.Phrase).HasMaxLength(128);
    }

    public void Configure(EntityTypeBuilder<HelplineCall> builder)
    {
        builder.HasIndex(x => new { x.AgentAccountId, x.At });
        builder.HasIndex(x => x.PatientId);
        builder.Property(x => x.StatusGiven).HasMaxLength(32);
        builder.Property(x => x.Note).HasMaxLength(1000);
    }
}
