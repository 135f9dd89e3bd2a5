using System.Security.Cryptography;
using System.Text;

namespace Kaitiaki.Accounts;

/// <summary>Random codes and tokens, and the hashes that are stored instead of them.</summary>
internal static class Secrets
{
    // Crockford-style alphabet without look-alike characters, for codes people type.
    private const string CodeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewDigits(int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));

    /// <summary>A code like <c>K7QM-2XPD-9RTA</c>: 12 characters of a 30-letter alphabet, about 59 bits.</summary>
    public static string NewGroupedCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>(CodeAlphabet, 12);
        return $"{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}";
    }

    /// <summary>Hashes a code after normalising case, spaces and dashes, so people can type it loosely.</summary>
    public static byte[] HashCode(string code)
    {
        var normal = new string(code.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
        return SHA256.HashData(Encoding.UTF8.GetBytes(normal));
    }

    public static bool Matches(byte[]? storedHash, string? code) =>
        storedHash is not null && code is not null &&
        CryptographicOperations.FixedTimeEquals(storedHash, HashCode(code));

    public static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
