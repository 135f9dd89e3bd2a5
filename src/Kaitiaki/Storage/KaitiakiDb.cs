using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Kaitiaki.Storage;

/// <summary>
/// The portal's database. Provider-specific subclasses exist only so each provider keeps its own
/// migrations; the model is this one.
/// </summary>
/// <remarks>
/// Contexts are pooled, so the constructor takes the options alone; the audit chain and the access revision counter
/// come from the application's services (the options' application service provider) when a save first needs them.
/// </remarks>
internal abstract class KaitiakiDb(DbContextOptions options) : IdentityDbContext<Account, IdentityRole<Guid>, Guid>(options)
{
    private AuditLedger Ledger => this.GetService<AuditLedger>();

    private AccessRevisions Revisions => this.GetService<AccessRevisions>();

    public DbSet<AccountSession> Sessions => Set<AccountSession>();
    public DbSet<MfaChallenge> MfaChallenges => Set<MfaChallenge>();
    public DbSet<RecoveryCode> RecoveryCodes => Set<RecoveryCode>();
    public DbSet<PasswordRecovery> PasswordRecoveries => Set<PasswordRecovery>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Practice> Practices => Set<Practice>();
    public DbSet<Patient> Patients => Set<Patient>();
    public DbSet<Enrolment> Enrolments => Set<Enrolment>();
    public DbSet<StaffMembership> StaffMemberships => Set<StaffMembership>();
    public DbSet<ProxyGrant> ProxyGrants => Set<ProxyGrant>();
    public DbSet<EnrolmentTransfer> EnrolmentTransfers => Set<EnrolmentTransfer>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<HealthDocument> Documents => Set<HealthDocument>();
    public DbSet<AccessRevision> AccessRevisions => Set<AccessRevision>();
    public DbSet<SecurityAlert> SecurityAlerts => Set<SecurityAlert>();
    public DbSet<ContainmentAction> ContainmentActions => Set<ContainmentAction>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<HarmAssessment> HarmAssessments => Set<HarmAssessment>();
    public DbSet<TimelineEntry> TimelineEntries => Set<TimelineEntry>();
    public DbSet<AgencyContact> AgencyContacts => Set<AgencyContact>();
    public DbSet<ScopeVersion> ScopeVersions => Set<ScopeVersion>();
    public DbSet<ScopeDocument> ScopeDocuments => Set<ScopeDocument>();
    public DbSet<ScopePatient> ScopePatients => Set<ScopePatient>();
    public DbSet<ScopePractice> ScopePractices => Set<ScopePractice>();
    public DbSet<PracticeApproval> PracticeApprovals => Set<PracticeApproval>();
    public DbSet<VulnerableFlag> VulnerableFlags => Set<VulnerableFlag>();
    public DbSet<VerificationPhrase> VerificationPhrases => Set<VerificationPhrase>();
    public DbSet<HelplineCall> HelplineCalls => Set<HelplineCall>();
    public DbSet<Notifications.OutboxMessage> OutboxMessages => Set<Notifications.OutboxMessage>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // Each feature configures its own entities (IEntityTypeConfiguration<T> in the feature's folder).
        builder.ApplyConfigurationsFromAssembly(typeof(KaitiakiDb).Assembly);

        builder.Entity<AccessRevision>(r =>
        {
            r.Property(x => x.Id).ValueGeneratedNever();
            r.HasData(new AccessRevision { Id = AccessRevision.SingletonId, Value = 0 });
        });

        // Every DateTime is UTC; SQLite forgets the kind on the way back, so restore it.
        var utc = new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
            v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        foreach (var property in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()))
        {
            if (property.ClrType == typeof(DateTime) || property.ClrType == typeof(DateTime?))
            {
                property.SetValueConverter(utc);
            }
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        throw new InvalidOperationException("Use SaveChangesAsync: audit events are sealed asynchronously.");

    /// <summary>
    /// Seals new audit events into the hash chain inside the same transaction as the change they
    /// record, and refuses any change to an event already written. The access revision moves with any
    /// write to access state by the database's own triggers (<see cref="AccessStateAttribute"/>).
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        using (await EnterWriteGateAsync(cancellationToken))
        {
            return await SaveAndSealAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
    }

    /// <summary>
    /// On SQLite, waits for this process's other writers (see <see cref="SqliteWriteGate"/>); null when there is nothing
    /// to wait for: PostgreSQL, a transaction the caller already holds, or nothing to save.
    /// </summary>
    internal async Task<IDisposable?> EnterWriteGateAsync(CancellationToken cancellationToken, bool evenWithoutChanges = false) =>
        IsPostgres || Database.CurrentTransaction is not null || !(evenWithoutChanges || ChangeTracker.HasChanges())
            ? null
            : await SqliteWriteGate.EnterAsync(Database.GetConnectionString()!, cancellationToken);

    /// <summary>The same wait, blocking, for the audit writer's own thread; held for a whole transaction.</summary>
    internal IDisposable? EnterWriteGate() =>
        IsPostgres || Database.CurrentTransaction is not null ? null : SqliteWriteGate.Enter(Database.GetConnectionString()!);

    private async Task<int> SaveAndSealAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        var audit = ChangeTracker.Entries<AuditEvent>().ToList();
        if (audit.Any(e => e.State is EntityState.Modified or EntityState.Deleted))
        {
            throw new InvalidOperationException("Audit events are append-only.");
        }
        var added = audit.Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        var changesAccess = ChangeTracker.Entries().Any(Storage.AccessRevisions.IsAccessChange);
        if (added.Count == 0 && !changesAccess)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        if (Database.CurrentTransaction is not null)
        {
            // The caller commits; the new revision is seen once an audit write reads it.
            await SealAsync(added, cancellationToken);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        await SealAsync(added, cancellationToken);
        var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        // The database's triggers have moved the revision with the change itself; learn the new one before anyone else can.
        long? revision = changesAccess ? await Storage.AccessRevisions.CurrentAsync(this, cancellationToken) : null;
        await transaction.CommitAsync(cancellationToken);
        if (revision is { } committed)
        {
            Revisions.Observe(committed);
        }
        return written;
    }

    private async Task SealAsync(List<AuditEvent> added, CancellationToken cancellationToken)
    {
        if (added.Count > 0)
        {
            await Ledger.SealAsync(this, added, cancellationToken);
        }
    }

    internal bool IsPostgres => Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";
}

internal sealed class SqliteKaitiakiDb(DbContextOptions<SqliteKaitiakiDb> options) : KaitiakiDb(options);

internal sealed class PostgresKaitiakiDb(DbContextOptions<PostgresKaitiakiDb> options) : KaitiakiDb(options);
