using System.Security.Cryptography;

namespace Kaitiaki.Storage;

internal sealed class MasterKeyMissingException(string keyId)
    : Exception($"The master key '{keyId}' is not available, so nothing wrapped under it can be unwrapped. Check the keys folder (Kaitiaki:KeysDirectory).")
{
    public string KeyId { get; } = keyId;
}

/// <summary>
/// The master keys (KEKs) that wrap data keys, as files under <c>keys/master/</c>:
/// one <c>{id}.key</c> per key and a <c>current</c> file naming the key new data keys are wrapped under. Retired keys
/// move to <c>keys/master/retired/</c>. The database and the document store never hold them.
/// </summary>
internal sealed class MasterKeys(KaitiakiOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _cache = [];

    private string Folder => Path.Combine(options.KeysPath, "master");
    private string CurrentFile => Path.Combine(Folder, "current");

    /// <summary>The id of the key that wraps new data keys, or null before the first one exists.</summary>
    public string? TryCurrentKeyId()
    {
        lock (_gate)
        {
            return File.Exists(CurrentFile) ? File.ReadAllText(CurrentFile).Trim() : null;
        }
    }

    /// <summary>
    /// The id of the key that wraps new data keys. The very first key is made only when the caller says nothing
    /// depends on master keys yet; a lost key folder must stop uploads, never be quietly replaced.
    /// </summary>
    public string CurrentKeyId(bool mayCreateFirstKey)
    {
        lock (_gate)
        {
            if (File.Exists(CurrentFile))
            {
                return File.ReadAllText(CurrentFile).Trim();
            }
            var anyKeyEver = Directory.Exists(Folder) && Directory.EnumerateFiles(Folder, "*.key", SearchOption.AllDirectories).Any();
            if (!mayCreateFirstKey || anyKeyEver)
            {
                throw new MasterKeyMissingException("current");
            }
            var id = CreateKeyLocked();
            WriteAtomically(CurrentFile, id);
            return id;
        }
    }

    public IReadOnlyList<string> ActiveKeyIds()
    {
        lock (_gate)
        {
            return Directory.Exists(Folder)
                ? Directory.GetFiles(Folder, "*.key").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal).ToList()
                : [];
        }
    }

    public (string KeyId, byte[] Wrapped) Wrap(ReadOnlySpan<byte> dataKey, bool mayCreateFirstKey)
    {
        var id = CurrentKeyId(mayCreateFirstKey);
        return (id, Wrap(id, dataKey));
    }

    public byte[] Wrap(string keyId, ReadOnlySpan<byte> dataKey)
    {
        using var aes = Aes.Create();
        aes.Key = Load(keyId);
        return aes.EncryptKeyWrapPadded(dataKey);
    }

    /// <summary>Unwraps a data key (RFC 5649). Throws <see cref="MasterKeyMissingException"/> when the key file is gone and
    /// <see cref="CryptographicException"/> when the wrapped key was altered or wrapped under another key.</summary>
    public byte[] Unwrap(string keyId, byte[] wrapped)
    {
        using var aes = Aes.Create();
        aes.Key = Load(keyId);
        return aes.DecryptKeyWrapPadded(wrapped);
    }

    /// <summary>Makes a new key and makes it current. Data keys wrapped under older keys still open until they are re-wrapped.</summary>
    public string Rotate()
    {
        lock (_gate)
        {
            var id = CreateKeyLocked();
            WriteAtomically(CurrentFile, id);
            return id;
        }
    }

    /// <summary>Moves a key that no data key uses any more out of the active set.</summary>
    public void Retire(string keyId)
    {
        lock (_gate)
        {
            if (keyId == File.ReadAllText(CurrentFile).Trim())
            {
                throw new InvalidOperationException("The current master key cannot be retired.");
            }
            var retired = Path.Combine(Folder, "retired");
            OwnerOnly.CreateDirectory(retired);
            File.Move(Path.Combine(Folder, keyId + ".key"), Path.Combine(retired, keyId + ".key"), overwrite: true);
            _cache.Remove(keyId);
        }
    }

    private byte[] Load(string keyId)
    {
        lock (_gate)
        {
            if (_cache.TryGetValue(keyId, out var cached))
            {
                return cached;
            }
            var path = Path.Combine(Folder, keyId + ".key");
            if (!File.Exists(path))
            {
                throw new MasterKeyMissingException(keyId);
            }
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (key.Length != 32)
            {
                throw new InvalidOperationException($"The master key file for '{keyId}' does not hold a 256-bit key.");
            }
            _cache[keyId] = key;
            return key;
        }
    }

    private string CreateKeyLocked()
    {
        OwnerOnly.CreateDirectory(Folder);
        var id = $"kek-{DateTime.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        WriteAtomically(Path.Combine(Folder, id + ".key"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return id;
    }

    private static void WriteAtomically(string path, string content) => KeyFiles.WriteSecretFile(path, content);
}
