using System.Security.Cryptography;
using Kaitiaki.Storage;

namespace Kaitiaki.Documents;

/// <summary>
/// Unwraps documents' data keys for sending their content, remembering each for a short while. An RFC 5649 unwrap
/// costs about as much as decrypting two of a document's segments, and a document that is read once is often read
/// again soon (a preview, then a download; a range request at a time).
/// </summary>
/// <remarks>
/// A remembered key answers only for the master key and wrapped key it was unwrapped from. It stops answering once the
/// access revision moves (a delete, a shred or a key rotation moves it) or after a minute, and it is cleared from
/// memory when its entry is dropped: at once if it is asked for again, otherwise within a minute.
/// </remarks>
internal sealed class DataKeys(MasterKeys keys, AccessCache<Guid, DataKeys.Unwrapped> remembered)
{
    /// <summary>
    /// The document's data key, as a new array the caller owns and should clear when done.
    /// </summary>
    /// <param name="readAt">The access revision read before <paramref name="document"/> was.</param>
    /// <exception cref="MasterKeyMissingException">The master key the data key was wrapped under is not available.</exception>
    /// <exception cref="CryptographicException">The wrapped key was altered or wrapped under another key.</exception>
    public byte[] UnwrapForReading(DocumentForReading document, long readAt)
    {
        var wrapped = (document.WrappedKey ?? throw new InvalidOperationException("A shredded document has no data key.")).ToArray();
        if (remembered.TryGet(document.Id, out var known, out _)
            && known.KeyId == document.KekId && known.Wrapped.AsSpan().SequenceEqual(wrapped)
            && known.CopyDataKey() is { } copy)
        {
            return copy;
        }
        var dataKey = keys.Unwrap(document.KekId, wrapped);
        remembered.Set(document.Id, new Unwrapped(document.KekId, wrapped, dataKey.ToArray()), readAt, validUntil: null);
        return dataKey;
    }

    /// <summary>A remembered data key. Disposing it (when its entry is dropped) clears the key.</summary>
    public sealed class Unwrapped(string keyId, byte[] wrapped, byte[] dataKey) : IDisposable
    {
        private readonly Lock _gate = new();
        private bool _cleared;

        public string KeyId => keyId;

        public byte[] Wrapped => wrapped;

        /// <summary>A copy of the key, or null once it has been cleared.</summary>
        public byte[]? CopyDataKey()
        {
            lock (_gate)
            {
                return _cleared ? null : dataKey.ToArray();
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _cleared = true;
                CryptographicOperations.ZeroMemory(dataKey);
            }
        }
    }
}
