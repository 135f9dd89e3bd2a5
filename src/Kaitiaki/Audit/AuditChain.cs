using Kaitiaki.Storage;

namespace Kaitiaki.Audit;

/// <summary>
/// The chain key, and the numbering and hashing of new events onto a head. Only <see cref="AuditLedger"/> links, after
/// taking the chain lock inside the transaction that saves the events, so two writers can never extend the same head.
/// </summary>
internal sealed class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    private readonly KeyFiles? _keys;
    private byte[]? _key;

    public AuditChain(KeyFiles keys) => _keys = keys;

    private AuditChain(byte[] key) => _key = key;

    /// <summary>For design-time tooling only: a chain that must never seal anything real.</summary>
    public static AuditChain ForDesignTime() => new(new byte[32]);

    /// <summary>The chain key. It is created only for the very first event; after that a missing key file is an error.</summary>
    internal byte[] Key => _key ??= _keys!.LoadOrCreateSecret("audit-chain", 32, mayCreate: false);

    private byte[] KeyForHead(bool chainIsEmpty) => _key ??= _keys!.LoadOrCreateSecret("audit-chain", 32, mayCreate: chainIsEmpty);

    /// <summary>Numbers and hashes new events onto the head (null for an empty chain). The caller holds the write lock.</summary>
    internal void Link(IEnumerable<AuditEvent> added, long? headSequence, byte[]? headHash)
    {
        var sequence = headSequence ?? 0;
        var previous = headHash ?? Genesis;
        var key = KeyForHead(chainIsEmpty: headSequence is null);
        using var hasher = new AuditHasher(key);
        foreach (var e in added.OrderBy(e => e.OccurredAt))
        {
            e.Sequence = ++sequence;
            e.PreviousHash = previous;
            e.Hash = hasher.Hash(e, previous);
            previous = e.Hash;
        }
    }

    internal const string PostgresLockSql = "SELECT pg_advisory_xact_lock(7242031)";
}
