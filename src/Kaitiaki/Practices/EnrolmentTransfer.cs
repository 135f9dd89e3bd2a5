using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Practices;

internal enum TransferStatus
{
    Pending = 0,
    Accepted = 1,
    Declined = 2,
    Cancelled = 3,
}

/// <summary>
/// A practice's request to become the practice of a patient who is already registered. It grants nothing: the
/// patient's enrolment changes only when the patient agrees, in the portal or by giving the practice the code that
/// was sent to their own contact details. An NHI and a date of birth identify a patient; they never enrol one.
/// </summary>
internal sealed class EnrolmentTransfer
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid PatientId { get; set; }

    /// <summary>The practice the patient was enrolled with when the request was made; null if none.</summary>
    public Guid? FromPracticeId { get; set; }

    public Guid ToPracticeId { get; set; }
    public Guid? RequestedByAccountId { get; set; }
    public DateTime RequestedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>SHA-256 of the code sent to the patient; the code itself is never stored.</summary>
    public byte[] CodeHash { get; set; } = [];

    public int FailedCodeAttempts { get; set; }
    public TransferStatus Status { get; set; }
    public DateTime? DecidedAt { get; set; }
}

internal sealed class EnrolmentTransferConfiguration : IEntityTypeConfiguration<EnrolmentTransfer>
{
    public void Configure(EntityTypeBuilder<EnrolmentTransfer> builder)
    {
        // Two decisions about one request at the same moment: the second finds the row changed and fails.
        builder.Property(x => x.Status).IsConcurrencyToken();
        builder.Property(x => x.FailedCodeAttempts).IsConcurrencyToken();
        builder.HasIndex(x => new { x.PatientId, x.Status });
        builder.HasIndex(x => new { x.ToPracticeId, x.Status });
        builder.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Practice>().WithMany().HasForeignKey(x => x.ToPracticeId).OnDelete(DeleteBehavior.Restrict);
    }
}
