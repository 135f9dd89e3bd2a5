using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kaitiaki.Audit;

/// <summary>
/// One append-only entry of the audit trail. <see cref="Hash"/> is an HMAC over the previous
/// hash and this event's canonical form, under a chain key that lives outside the database.
/// </summary>
internal sealed class AuditEvent
{
    /// <summary>The canonical form new events are sealed in. Form 1 (before <see cref="Items"/>) still verifies as written.</summary>
    public const int CurrentFormat = 2;

    /// <summary>
    /// Time-ordered (UUID version 7), so each new event lands at the end of the key's index, not on a random page of it.
    /// The trail sets it from its clock; an event without one gets one from <see cref="AuditEventIds"/> when added to a
    /// context, or from the ledger when handed to the writer, before its hash covers it. Not made in the constructor: an
    /// event read back from the trail has its id already, and a breach scope reads millions.
    /// </summary>
    public Guid Id { get; set; }

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

    /// <summary>
    /// The ids of the items a list disclosed, packed 16 bytes each in RFC 9562 (big-endian) order, so a breach scope
    /// can say whose metadata was seen; null when the event disclosed no list.
    /// </summary>
    public byte[]? Items { get; set; }

    /// <summary>Which canonical form the hash covers: 1 for events written before items were recorded, 2 since.</summary>
    public int Format { get; set; } = CurrentFormat;

    /// <summary>
    /// Not stored: the oldest access revision of the remembered decisions the recording request rests on. The ledger
    /// commits the event only if the revision has not moved since, and otherwise refuses it with <see cref="Storage.StaleAccessException"/>.
    /// </summary>
    public long? RestsOnRevision { get; set; }

    public byte[] PreviousHash { get; set; } = [];
    public byte[] Hash { get; set; } = [];

    /// <summary>
    /// The bytes the chain hashes. Fields are written in a fixed order with fixed formats, so the
    /// same event hashes the same on SQLite and PostgreSQL.
    /// </summary>
    public byte[] CanonicalBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteCanonical(w);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form: a JSON array of the fields in a fixed order (<see cref="CanonicalBytes"/>).</summary>
    internal void WriteCanonical(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        w.WriteStringValue(Format switch
        {
            1 => "kaitiaki-audit-v1",
            2 => "kaitiaki-audit-v2",
            _ => throw new InvalidOperationException($"Audit event {Sequence} has an unknown canonical form {Format}."),
        });
        w.WriteNumberValue(Sequence);
        WriteGuid(w, Id);
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
        if (Format >= 2)
        {
            // Form 2 adds the disclosed items; form 1 events hash exactly as they were written.
            if (Items is { } items) { w.WriteBase64StringValue(items); } else { w.WriteNullValue(); }
        }
        w.WriteEndArray();
    }

    public static byte[] PackItems(IEnumerable<Guid> ids)
    {
        var list = ids.ToList();
        var packed = new byte[list.Count * 16];
        for (var i = 0; i < list.Count; i++)
        {
            list[i].TryWriteBytes(packed.AsSpan(i * 16, 16), bigEndian: true, out _);
        }
        return packed;
    }

    /// <summary>The ids in <see cref="Items"/>, in the order they were disclosed.</summary>
    public IReadOnlyList<Guid> ItemIds() => UnpackItems(Items);

    public static IReadOnlyList<Guid> UnpackItems(byte[]? packed)
    {
        if (packed is null)
        {
            return [];
        }
        var ids = new Guid[packed.Length / 16];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = new Guid(packed.AsSpan(i * 16, 16), bigEndian: true);
        }
        return ids;
    }

    public byte[] ComputeHash(byte[] chainKey, byte[] previousHash)
    {
        using var hasher = new AuditHasher(chainKey);
        return hasher.Hash(this, previousHash);
    }

    /// <summary>PostgreSQL keeps microseconds; trimming here keeps the hashed time identical after a round trip.</summary>
    public static DateTime TrimToMicroseconds(DateTime value) =>
        new(value.Ticks - (value.Ticks % 10), DateTimeKind.Utc);

    private static void WriteGuid(Utf8JsonWriter w, Guid? value)
    {
        if (value is { } g)
        {
            Span<char> text = stackalloc char[32];
            g.TryFormat(text, out _, "N");
            w.WriteStringValue(text);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static void WriteString(Utf8JsonWriter w, string? value)
    {
        if (value is null) { w.WriteNullValue(); } else { w.WriteStringValue(value); }
    }
}

/// <summary>
/// Hashes events onto a chain under one key, reusing its buffers and HMAC state from event to event: what the ledger
/// and the verifier do millions of times. One thread at a time.
/// </summary>
internal sealed class AuditHasher : IDisposable
{
    private readonly IncrementalHash _hmac;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public AuditHasher(byte[] chainKey)
    {
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, chainKey);
        _writer = new Utf8JsonWriter(_buffer);
    }

    /// <summary>HMAC-SHA256 of the previous hash followed by the event's canonical form.</summary>
    public byte[] Hash(AuditEvent e, ReadOnlySpan<byte> previousHash)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        e.WriteCanonical(_writer);
        _writer.Flush();
        _hmac.AppendData(previousHash);
        _hmac.AppendData(_buffer.WrittenSpan);
        return _hmac.GetHashAndReset();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _hmac.Dispose();
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.Property(x => x.Id).HasValueGenerator<AuditEventIds>();
        builder.HasIndex(x => x.Sequence).IsUnique();
        builder.HasIndex(x => new { x.PatientId, x.Sequence });
        // What a breach scope filters by (docs/architecture.md section 6.1): time; actor, IP and patient with time; session.
        // Time carries the position too, so a scope finds the stretch of the chain its window spans from the index alone.
        builder.HasIndex(x => new { x.OccurredAt, x.Sequence });
        builder.HasIndex(x => new { x.ActorAccountId, x.OccurredAt });
        builder.HasIndex(x => x.SessionId);
        builder.HasIndex(x => new { x.IpAddress, x.OccurredAt });
        builder.HasIndex(x => new { x.PatientId, x.OccurredAt });
        builder.Property(x => x.ActorRole).HasMaxLength(64);
        builder.Property(x => x.Client).HasMaxLength(64);
        builder.Property(x => x.IpAddress).HasMaxLength(64);
        builder.Property(x => x.UserAgent).HasMaxLength(256);
        builder.Property(x => x.ResourceType).HasMaxLength(64);
        builder.Property(x => x.Detail).HasMaxLength(256);
        builder.Ignore(x => x.RestsOnRevision);
    }
}

/// <summary>A new audit event's id when it is added without one: time-ordered, as the trail's own are.</summary>
internal sealed class AuditEventIds : Microsoft.EntityFrameworkCore.ValueGeneration.ValueGenerator<Guid>
{
    public override bool GeneratesTemporaryValues => false;

    public override Guid Next(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry entry) => Guid.CreateVersion7();
}
