using System.Security.Cryptography;
using System.Text.Json;

namespace Kaitiaki.Audit;

/// <summary>
/// One append-only entry of the audit trail. <see cref="Hash"/> is an HMAC over the previous
/// hash and this event's canonical form, under a chain key that lives outside the database.
/// </summary>
public sealed class AuditEvent
{
    /// <summary>Time-ordered (UUID version 7), so each new event lands at the end of the key's index, not on a random page of it.</summary>
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Position in the chain, from 1 without gaps. Assigned when the event is saved.</summary>
    public long Sequence { get; set; }

    public DateTime OccurredAt { get; set; }
    public AuditAction Action { get; set; }
    public AuditOutcome Outcome { get; set; }
    public Guid? ActorAccountId { get; set; }
    public string? ActorRole { get; set; }
    public Guid? SessionId { get; set; }
    public string? Client { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public Guid? PatientId { get; set; }
    public Guid? PracticeId { get; set; }
    public string? ResourceType { get; set; }
    public Guid? ResourceId { get; set; }
    public long? Bytes { get; set; }

    /// <summary>A short, fixed reason such as "wrong password". Never personal data or a secret.</summary>
    public string? Detail { get; set; }

    public byte[] PreviousHash { get; set; } = [];
    public byte[] Hash { get; set; } = [];

    /// <summary>
    /// The bytes the chain hashes. Fields are written in a fixed order with fixed formats, so the
    /// same event hashes the same on SQLite and PostgreSQL.
    /// </summary>
    public byte[] CanonicalBytes()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStringValue("kaitiaki-audit-v1");
            w.WriteNumberValue(Sequence);
            w.WriteStringValue(Id.ToString("N"));
            w.WriteNumberValue(DateTime.SpecifyKind(OccurredAt, DateTimeKind.Utc).Ticks);
            w.WriteNumberValue((int)Action);
            w.WriteNumberValue((int)Outcome);
            WriteGuid(w, ActorAccountId);
            WriteString(w, ActorRole);
            WriteGuid(w, SessionId);
            WriteString(w, Client);
            WriteString(w, IpAddress);
            WriteString(w, UserAgent);
            WriteGuid(w, PatientId);
            WriteGuid(w, PracticeId);
            WriteString(w, ResourceType);
            WriteGuid(w, ResourceId);
            if (Bytes is { } bytes) { w.WriteNumberValue(bytes); } else { w.WriteNullValue(); }
            WriteString(w, Detail);
            w.WriteEndArray();
        }
        return buffer.ToArray();
    }

    public byte[] ComputeHash(byte[] chainKey, byte[] previousHash)
    {
        var canonical = CanonicalBytes();
        var input = new byte[previousHash.Length + canonical.Length];
        previousHash.CopyTo(input, 0);
        canonical.CopyTo(input, previousHash.Length);
        return HMACSHA256.HashData(chainKey, input);
    }

    /// <summary>PostgreSQL keeps microseconds; trimming here keeps the hashed time identical after a round trip.</summary>
    public static DateTime TrimToMicroseconds(DateTime value) =>
        new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);

    private static void WriteGuid(Utf8JsonWriter w, Guid? value)
    {
        if (value is { } g) { w.WriteStringValue(g.ToString("N")); } else { w.WriteNullValue(); }
    }

    private static void WriteString(Utf8JsonWriter w, string? value)
    {
        if (value is null) { w.WriteNullValue(); } else { w.WriteStringValue(value); }
    }
}
