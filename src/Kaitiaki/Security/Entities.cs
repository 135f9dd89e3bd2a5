using Kaitiaki.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Security;

/// <summary>How urgent an alert is. The numbers are stored: add, never renumber.</summary>
internal enum AlertSeverity
{
    Low = 1,
    Medium = 2,
    High = 3,
}

/// <summary>
/// Something the detector (or an analyst) saw: one rule crossed by one principal. The summary is fixed text with
/// numbers, never personal data; the evidence is the audit events that tripped it.
/// </summary>
internal sealed class SecurityAlert
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Rule { get; set; }
    public AlertSeverity Severity { get; set; }

    /// <summary>Who crossed the line, as "account:…", "session:…", "ip:…" or "network:…/24".</summary>
    public required string Principal { get; set; }

    public Guid? AccountId { get; set; }
    public Guid? SessionId { get; set; }
    public string? Network { get; set; }
    public DateTime RaisedAt { get; set; }
    public required string Summary { get; set; }

    /// <summary>The ids of the audit events that tripped the rule, packed like <see cref="AuditEvent.Items"/>.</summary>
    public byte[] Evidence { get; set; } = [];

    /// <summary>Whether the detector was containing (not only observing) when it raised this.</summary>
    public bool Contained { get; set; }
}

/// <summary>The containment actions, in rising order. The numbers are stored: add, never renumber.</summary>
internal enum ContainmentKind
{
    /// <summary>The session must prove its second factor again before it reads anything more.</summary>
    StepUp = 1,

    /// <summary>The session may make only a few requests a minute.</summary>
    Throttle = 2,

    /// <summary>The session ends at once.</summary>
    RevokeSession = 3,

    /// <summary>Every request from the account is refused, and it cannot sign in.</summary>
    SuspendAccount = 4,

    /// <summary>Every request from a source address or network is refused, for a time.</summary>
    BlockSource = 5,

    /// <summary>A module or a single action is off, for everyone or for one practice's patients.</summary>
    SwitchOff = 6,
}

/// <summary>One containment action: what was done, to whom, on what evidence, and whether it has been undone.</summary>
internal sealed class ContainmentAction
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public ContainmentKind Kind { get; set; }

    /// <summary>The alert that led to it; null for a manual action taken without one.</summary>
    public Guid? AlertId { get; set; }

    public Guid? AccountId { get; set; }
    public Guid? SessionId { get; set; }

    /// <summary>For <see cref="ContainmentKind.BlockSource"/>: an address or network in CIDR form, e.g. 203.0.113.0/24.</summary>
    public string? Network { get; set; }

    /// <summary>For <see cref="ContainmentKind.SwitchOff"/>: the switch name, e.g. documents.download.</summary>
    public string? Switch { get; set; }

    /// <summary>For <see cref="ContainmentKind.SwitchOff"/>: the one practice it applies to, or null for everyone.</summary>
    public Guid? PracticeId { get; set; }

    public DateTime AppliedAt { get; set; }

    /// <summary>The analyst who took it; null when a rule did.</summary>
    public Guid? AppliedBy { get; set; }

    /// <summary>When it lapses by itself (a block, a throttle); null for until undone.</summary>
    public DateTime? ExpiresAt { get; set; }

    public DateTime? UndoneAt { get; set; }
    public Guid? UndoneBy { get; set; }

    /// <summary>A short fixed reason: the rule, or "manual". Never personal data.</summary>
    public required string Reason { get; set; }

    public byte[] Evidence { get; set; } = [];
}

internal sealed class SecurityAlertConfiguration : IEntityTypeConfiguration<SecurityAlert>
{
    public void Configure(EntityTypeBuilder<SecurityAlert> builder)
    {
        builder.Property(x => x.Rule).HasMaxLength(64);
        builder.Property(x => x.Principal).HasMaxLength(128);
        builder.Property(x => x.Network).HasMaxLength(64);
        builder.Property(x => x.Summary).HasMaxLength(256);
        builder.HasIndex(x => x.RaisedAt);
    }
}

internal sealed class ContainmentActionConfiguration : IEntityTypeConfiguration<ContainmentAction>
{
    public void Configure(EntityTypeBuilder<ContainmentAction> builder)
    {
        builder.Property(x => x.Network).HasMaxLength(64);
        builder.Property(x => x.Switch).HasMaxLength(64);
        builder.Property(x => x.Reason).HasMaxLength(128);
        builder.HasIndex(x => x.AppliedAt);
        builder.HasIndex(x => x.AlertId);
        builder.HasIndex(x => new { x.Kind, x.UndoneAt });
    }
}
