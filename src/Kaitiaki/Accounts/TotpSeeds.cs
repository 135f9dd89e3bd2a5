using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

/// <summary>
/// Authenticator-app seeds, sealed at rest the way document keys are: each seed is encrypted with AES-256-GCM under a
/// fresh 256-bit key of its own, and that key is wrapped (RFC 5649) by the current master key, which lives in the keys
/// folder, never in the database. A copy of the database alone therefore cannot mint anyone's codes. The seed's owner
/// (the account, or the invitation of an activation in progress) is the associated data, so a sealed seed copied onto
/// another row does not open. Stored as <c>s1.{master key id}.{wrapped key}.{nonce ‖ ciphertext ‖ tag}</c>, base64url.
/// </summary>
internal sealed class TotpSeeds(MasterKeys keys, KaitiakiDb db)
{
    private const string Prefix = "s1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static bool IsSealed(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Seals a base32 seed for its owner (an account id or an invitation id).</summary>
    public async Task<string> SealAsync(string base32Seed, Guid owner, CancellationToken cancellationToken)
    {
        // The first master key may be made here only while nothing at all depends on master keys; a lost key folder
        // must stop the portal, never be quietly replaced.
        var firstKey = keys.TryCurrentKeyId() is null
                       && !await db.Documents.AnyAsync(d => d.WrappedKey != null, cancellationToken)
                       && !await db.Users.AnyAsync(a => a.TotpSecret != null && a.TotpSecret.StartsWith(Prefix), cancellationToken);
        return Seal(base32Seed, owner, keys.CurrentKeyId(mayCreateFirstKey: firstKey));
    }

    /// <summary>The base32 seed. Throws when the stored value is not sealed, was altered, or belongs to another owner.</summary>
    public string Reveal(string stored, Guid owner)
    {
        var parts = stored.Split('.');
        if (!IsSealed(stored) || parts.Length != 4)
        {
            throw new CryptographicException("The authenticator seed is not sealed.");
        }
        var dataKey = keys.Unwrap(parts[1], Base64Url.DecodeFromChars(parts[2]));
        try
        {
            var box = Base64Url.DecodeFromChars(parts[3]);
            var seed = new byte[box.Length - NonceSize - TagSize];
            using var aes = new AesGcm(dataKey, TagSize);
            aes.Decrypt(box.AsSpan(0, NonceSize), box.AsSpan(NonceSize, seed.Length), box.AsSpan(NonceSize + seed.Length), seed, Associated(owner));
            var base32 = Base32.Encode(seed);
            CryptographicOperations.ZeroMemory(seed);
            return base32;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The same seed sealed under another master key (for key rotation).</summary>
    public string Reseal(string stored, Guid owner, string masterKeyId) => Seal(Reveal(stored, owner), owner, masterKeyId);

    public static string MasterKeyOf(string stored) => stored.Split('.')[1];

    /// <summary>
    /// Seals every seed still stored in plain text (rows written before seeds were sealed). Runs before the portal takes
    /// requests; a row already sealed is left alone, so running it again does nothing.
    /// </summary>
    public async Task<int> SealPlainRowsAsync(CancellationToken cancellationToken)
    {
        var sealedCount = 0;
        var accounts = await db.Users.Where(a => a.TotpSecret != null && !a.TotpSecret.StartsWith(Prefix)).ToListAsync(cancellationToken);
        foreach (var account in accounts)
        {
            account.TotpSecret = await SealAsync(account.TotpSecret!, account.Id, cancellationToken);
            sealedCount++;
        }
        var invitations = await db.Invitations.Where(i => i.PendingTotpSecret != null && !i.PendingTotpSecret.StartsWith(Prefix)).ToListAsync(cancellationToken);
        foreach (var invitation in invitations)
        {
            invitation.PendingTotpSecret = await SealAsync(invitation.PendingTotpSecret!, invitation.Id, cancellationToken);
            sealedCount++;
        }
        await db.SaveChangesAsync(cancellationToken);
        return sealedCount;
    }

    private string Seal(string base32Seed, Guid owner, string masterKeyId)
    {
        var seed = Base32.Decode(base32Seed);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var box = new byte[NonceSize + seed.Length + TagSize];
            RandomNumberGenerator.Fill(box.AsSpan(0, NonceSize));
            using (var aes = new AesGcm(dataKey, TagSize))
            {
                aes.Encrypt(box.AsSpan(0, NonceSize), seed, box.AsSpan(NonceSize, seed.Length), box.AsSpan(NonceSize + seed.Length), Associated(owner));
            }
            var wrapped = keys.Wrap(masterKeyId, dataKey);
            return $"{Prefix}{masterKeyId}.{Base64Url.EncodeToString(wrapped)}.{Base64Url.EncodeToString(box)}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static byte[] Associated(Guid owner) => [.. Encoding.ASCII.GetBytes("kaitiaki/totp-seed/v1/"), .. owner.ToByteArray()];
}

/// <summary>Seals plain-text seeds left by an earlier version before the portal takes its first request.</summary>
internal sealed class TotpSeedSealing(IServiceProvider services, ILogger<TotpSeedSealing> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var count = await scope.ServiceProvider.GetRequiredService<TotpSeeds>().SealPlainRowsAsync(cancellationToken);
        if (count > 0)
        {
            logger.LogInformation("Sealed {Count} authenticator seeds that were stored in plain text.", count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
