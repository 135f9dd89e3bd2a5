using System.Security.Cryptography;

namespace Kaitiaki.Storage;

/// <summary>
/// Key material kept as files in the keys directory, outside the database and the document store.
/// Files are created on first use, readable by the portal's user only.
/// </summary>
internal sealed class KeyFiles(KaitiakiOptions options)
{
    private readonly Lock _gate = new();

    public string Directory => options.KeysPath;

    public bool Exists(string fileName) => File.Exists(Path.Combine(options.KeysPath, fileName));

    /// <param name="mayCreate">False once anything depends on the key: a lost key must stop the portal, never be quietly replaced.</param>
    public byte[] LoadOrCreateSecret(string name, int length, bool mayCreate = true)
    {
        var path = Path.Combine(options.KeysPath, name + ".key");
        lock (_gate)
        {
            if (!File.Exists(path))
            {
                if (!mayCreate)
                {
                    throw new InvalidOperationException(
                        $"The key file {path} is missing, but data that depends on it exists. Restore it from the key backup (Kaitiaki:KeysDirectory); a new key would make the existing data unverifiable.");
                }
                WriteNew(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(length)));
            }
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (key.Length != length)
            {
                throw new InvalidOperationException($"The key file {path} does not hold a {length}-byte key.");
            }
            return key;
        }
    }

    /// <summary>An ECDSA P-256 key; its public half is written beside it for verifiers.</summary>
    public ECDsa LoadOrCreateSigningKey(string name, bool mayCreate = true)
    {
        var path = Path.Combine(options.KeysPath, name + ".pem");
        lock (_gate)
        {
            if (!File.Exists(path))
            {
                if (!mayCreate)
                {
                    throw new InvalidOperationException(
                        $"The signing key {path} is missing, but checkpoints signed with it exist. Restore it from the key backup (Kaitiaki:KeysDirectory).");
                }
                using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                WriteNew(path, fresh.ExportPkcs8PrivateKeyPem());
                OwnerOnly.WriteAllText(Path.Combine(options.KeysPath, name + ".pub.pem"), fresh.ExportSubjectPublicKeyInfoPem());
            }
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }
    }

    private static void WriteNew(string path, string content) => WriteSecretFile(path, content);

    /// <summary>Writes a file only its owner can read, flushed to disk and renamed into place, so a crash never leaves half a key.</summary>
    internal static void WriteSecretFile(string path, string content)
    {
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, fileOptions))
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
