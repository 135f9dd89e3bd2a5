using Kaitiaki.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Practices;

internal sealed class PracticeConfiguration : IEntityTypeConfiguration<Practice>
{
    public void Configure(EntityTypeBuilder<Practice> builder)
    {
        builder.Property(x => x.Name).HasMaxLength(200);
        builder.Property(x => x.HpiFacilityId).HasMaxLength(8);
        builder.HasIndex(x => x.HpiFacilityId).IsUnique();
        builder.Property(x => x.PrivacyContactName).HasMaxLength(200);
        builder.Property(x => x.PrivacyContactEmail).HasMaxLength(256);
    }
}

internal sealed class PatientConfiguration : IEntityTypeConfiguration<Patient>
{
    public void Configure(EntityTypeBuilder<Patient> builder)
    {
        builder.Property(x => x.Nhi).HasMaxLength(7);
        builder.HasIndex(x => x.Nhi).IsUnique();
        // The few decoys, found at once among millions of patients: every scope run and the detector's start read them.
        builder.HasIndex(x => x.IsDecoy).HasFilter("\"IsDecoy\"");
        builder.Property(x => x.GivenName).HasMaxLength(100);
        builder.Property(x => x.FamilyName).HasMaxLength(100);
        builder.Property(x => x.Email).HasMaxLength(256);
        builder.Property(x => x.Mobile).HasMaxLength(32);
        builder.Ignore(x => x.DisplayName);
    }
}

internal sealed class EnrolmentConfiguration : IEntityTypeConfiguration<Enrolment>
{
    public void Configure(EntityTypeBuilder<Enrolment> builder)
    {
        builder.HasIndex(x => new { x.PatientId, x.PracticeId });
        builder.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Practice>().WithMany().HasForeignKey(x => x.PracticeId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class StaffMembershipConfiguration : IEntityTypeConfiguration<StaffMembership>
{
    public void Configure(EntityTypeBuilder<StaffMembership> builder)
    {
        builder.HasIndex(x => new { x.AccountId, x.PracticeId, x.Role });
        builder.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Practice>().WithMany().HasForeignKey(x => x.PracticeId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ProxyGrantConfiguration : IEntityTypeConfiguration<ProxyGrant>
{
    public void Configure(EntityTypeBuilder<ProxyGrant> builder)
    {
        builder.HasIndex(x => new { x.ProxyAccountId, x.PatientId });
        builder.HasOne<Account>().WithMany().HasForeignKey(x => x.ProxyAccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Patient>().WithMany().HasForeignKey(x => x.PatientId).OnDelete(DeleteBehavior.Restrict);
    }
}
