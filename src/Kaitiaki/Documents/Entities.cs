using Kaitiaki.Storage;

namespace Kaitiaki.Documents;

internal enum DocumentSource
{
    Patient = 1,
    Practice = 2,
    Hospital = 3,
}

/// <summary>The categories as the API spells them. Patients choose from the first five; practices from all.</summary>
internal static class DocumentCategories
{
    public static readonly IReadOnlySet<string> Patient = new HashSet<string> { "correspondence", "report", "result", "photo", "other" };

    public static readonly IReadOnlySet<string> Practice = new HashSet<string>
    {
        "correspondence", "report", "result", "photo", "other", "discharge-summary", "clinical-letter", "lab-report", "referral",
    };

    public static string Describe(string category) => category switch
    {
        "discharge-summary" => "Discharge summary",
        "clinical-letter" => "Clinical letter",
        "lab-report" => "Lab report",
        "correspondence" => "Correspondence",
        _ => char.ToUpperInvariant(category[0]) + category[1..],
    };
}

/// <summary>
/// One health document. The content lives encrypted in the document store under <see cref="BlobName"/>; its data
/// key is here only wrapped by a master key. Erasing <see cref="WrappedKey"/> destroys the document for good.
/// </summary>
[AccessState]
internal sealed class HealthDocument
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid PatientId { get; set; }
    public Guid? PracticeId { get; set; }
    public required string Title { get; set; }
    public required string Category { get; set; }
    public DocumentSource Source { get; set; }
    public string? Author { get; set; }
    public DateOnly? DateOfService { get; set; }
    public required string ContentType { get; set; }
    public required string FileName { get; set; }
    public long SizeBytes { get; set; }
    public required byte[] Sha256 { get; set; }
    public int Version { get; set; } = 1;
    public required string KekId { get; set; }
    public byte[]? WrappedKey { get; set; }
    public required string BlobName { get; set; }
    public Guid UploadedByAccountId { get; set; }
    public DateTime UploadedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    public DateTime? HiddenAt { get; set; }
    public DateTime? ShreddedAt { get; set; }
    public string? ShredReason { get; set; }

    /// <summary>Decoys no legitimate path shows; reading one is a sign of probing.</summary>
    public bool IsCanary { get; set; }
}

/// <summary>
/// What sending a document's content needs of its row: an immutable snapshot, so a remembered decision can be shared
/// between requests without sharing an entity that anything could change.
/// </summary>
internal sealed record DocumentForReading(
    Guid Id, Guid PatientId, string ContentType, string FileName, long SizeBytes, ReadOnlyMemory<byte> Sha256, string KekId,
    ReadOnlyMemory<byte>? WrappedKey, string BlobName)
{
    public static DocumentForReading From(HealthDocument d) => new(
        d.Id, d.PatientId, d.ContentType, d.FileName, d.SizeBytes, d.Sha256.ToArray(), d.KekId, d.WrappedKey?.ToArray(), d.BlobName);
}

internal sealed class HealthDocumentConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<HealthDocument>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<HealthDocument> builder)
    {
        builder.HasIndex(x => new { x.PatientId, x.UploadedAt });
        builder.HasIndex(x => x.KekId);
        builder.Property(x => x.Title).HasMaxLength(200);
        builder.Property(x => x.Category).HasMaxLength(32);
        builder.Property(x => x.Author).HasMaxLength(200);
        builder.Property(x => x.ContentType).HasMaxLength(100);
        builder.Property(x => x.FileName).HasMaxLength(200);
        builder.Property(x => x.KekId).HasMaxLength(64);
        builder.Property(x => x.BlobName).HasMaxLength(100);
        builder.Property(x => x.ShredReason).HasMaxLength(100);
        builder.HasOne<Kaitiaki.Practices.Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(Microsoft.EntityFrameworkCore.DeleteBehavior.Restrict);
    }
}
