using Kaitiaki.Storage;

namespace Kaitiaki.Documents;

/// <summary>
/// Unwraps documents' data keys for sending their content, remembering each for a short while. An RFC 5649 unwrap
/// costs about as much as decrypting two of a document's segments, and a document that is read once is often read
/// again soon (a preview, then a download; a range request at a time).
/// </summary>
/// <remarks>
/// The master keys that unwrap every data key are in this process's memory already, so a remembered data key adds
/// little to what a reader of this memory could take. A remembered key is dropped once its minute is up or the access
/// revision moves, which a shred or a delete does, and it answers only for the wrapped key it was unwrapped from.
/// The arrays handed out are shared: callers must not change or clear them.
/// </remarks>
public sealed class DataKeys(MasterKeys keys, AccessCache<Guid, DataKeys.Unwrapped> remembered, AccessRevisions revisions)
{
    /// <exception cref="MasterKeyMissingException">The master key the data key was wrapped under is not available.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The wrapped key was altered or wrapped under another key.</exception>
    public byte[] UnwrapForReading(HealthDocument document)
    {
        var wrapped = document.WrappedKey ?? throw new InvalidOperationException("A shredded document has no data key.");
        if (remembered.TryGet(document.Id, out var known, out _)
            && known.KeyId == document.KekId && known.Wrapped.AsSpan().SequenceEqual(wrapped))
        {
            return known.DataKey;
        }
        var revision = revisions.Known;
        var dataKey = keys.Unwrap(document.KekId, wrapped);
        remembered.Set(document.Id, new Unwrapped(document.KekId, wrapped.ToArray(), dataKey), revision, validUntil: null);
        return dataKey;
    }

    public sealed record Unwrapped(string KeyId, byte[] Wrapped, byte[] DataKey);
}
