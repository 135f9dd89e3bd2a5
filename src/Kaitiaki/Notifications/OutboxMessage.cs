using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Notifications;

internal enum NotificationChannel
{
    Email,
    Sms,
}

internal enum DeliveryState
{
    /// <summary>Waiting for its first try, or for its next one after a failure that may pass.</summary>
    Queued,
    Sent,

    /// <summary>Refused for good (the server refused the address) or given up after every try; the reason says which.</summary>
    Failed,
}

/// <summary>
/// One message in the durable outbox. It is added in the same transaction as the decision to send it, and a background
/// worker delivers it. Its purpose, channel and recipient are unique together, so a message is never queued twice, even
/// by a retried or restarted decision. The body is kept protected (Data Protection), because sign-in and activation
/// codes travel in it; the subject never holds anything private.
/// </summary>
internal sealed class OutboxMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Why it is sent, specific enough to name one decision: "sign-in-code/{challenge}", "security-notice/{event}".</summary>
    public string Purpose { get; set; } = "";
    public NotificationChannel Channel { get; set; }

    /// <summary>An e-mail address, a mobile number, or for a letter the name and postal address on one line.</summary>
    public string Recipient { get; set; } = "";

    /// <summary>The template the text was rendered from (the text itself is fixed when the message is queued).</summary>
    public string Template { get; set; } = "";
    public string Subject { get; set; } = "";
    public string ProtectedBody { get; set; } = "";

    /// <summary>Who asked for it, when a person did: the sender sees its delivery state.</summary>
    public Guid? SenderAccountId { get; set; }

    public DeliveryState State { get; set; } = DeliveryState.Queued;
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? SentAt { get; set; }

    /// <summary>Why the last try failed, in words that carry no address or content: "the mail server refused the address (550)".</summary>
    public string? FailureReason { get; set; }

    /// <summary>Set while one worker holds the message; a claim that outlives <see cref="ClaimedUntil"/> (a crash) lapses.</summary>
    public Guid? ClaimToken { get; set; }
    public DateTime? ClaimedUntil { get; set; }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.HasIndex(x => new { x.Purpose, x.Channel, x.Recipient }).IsUnique();
        builder.HasIndex(x => new { x.State, x.NextAttemptAt });
        builder.HasIndex(x => x.ClaimToken);
        builder.HasIndex(x => new { x.SenderAccountId, x.CreatedAt });
        builder.Property(x => x.Purpose).HasMaxLength(200);
        builder.Property(x => x.Recipient).HasMaxLength(400);
        builder.Property(x => x.Template).HasMaxLength(100);
        builder.Property(x => x.Subject).HasMaxLength(200);
        builder.Property(x => x.FailureReason).HasMaxLength(300);
    }
}
