using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Kaitiaki.Accounts;

/// <summary>
/// RFC 6238 time-based codes (HMAC-SHA1, 6 digits, 30-second steps). Unlike the stock ASP.NET Core
/// provider, only the current step and one either side are accepted, and a step is accepted once.
/// </summary>
internal static class Totp
{
    public const int StepSeconds = 30;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    public static string NewSecret() => Base32.Encode(RandomNumberGenerator.GetBytes(20));

    public static string Code(string base32Secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
        // RFC 6238 and every authenticator app use HMAC-SHA1; its collision weakness does not apply to HMAC.
#pragma warning disable CA5350
        HMACSHA1.HashData(Base32.Decode(base32Secret), counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7fffffff;
        return (binary % 1_000_000).ToString("D6");
    }

    /// <summary>The step whose code matches, if it is within one step of now and later than <paramref name="lastAcceptedStep"/>.</summary>
    public static long? Match(string base32Secret, string? code, DateTimeOffset now, long lastAcceptedStep)
    {
        var candidate = Normalise(code);
        if (candidate is null)
        {
            return null;
        }
        var current = StepAt(now);
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (step > lastAcceptedStep && CryptographicOperations.FixedTimeEquals(
                    System.Text.Encoding.ASCII.GetBytes(Code(base32Secret, step)),
                    System.Text.Encoding.ASCII.GetBytes(candidate)))
            {
                return step;
            }
        }
        return null;
    }

    /// <summary>The name authenticator apps show above the code.</summary>
    public const string Issuer = "Kaitiaki";

    /// <summary>The key as people type it into an app: groups of four, like "ABCD EFGH IJKL".</summary>
    public static string Grouped(string base32Secret) => string.Join(' ', base32Secret.Chunk(4).Select(c => new string(c)));

    /// <summary>The Key Uri Format authenticator apps read: otpauth://totp/Issuer:account?secret=…&amp;issuer=Issuer.</summary>
    public static string OtpAuthUri(string issuer, string accountName, string base32Secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(accountName)}?secret={base32Secret}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period={StepSeconds}";

    private static string? Normalise(string? code)
    {
        var digits = new string((code ?? "").Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());
        return digits.Length == 6 && digits.All(char.IsAsciiDigit) ? digits : null;
    }
}

/// <summary>RFC 4648 base32 without padding, as authenticator apps expect.</summary>
internal static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var output = new System.Text.StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            output.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }
        return output.ToString();
    }

    public static byte[] Decode(string text)
    {
        var clean = text.Trim().TrimEnd('=').Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var output = new List<byte>(clean.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException("The authenticator secret is not valid base32.");
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)((buffer >> (bits - 8)) & 0xff));
                bits -= 8;
            }
        }
        return [.. output];
    }
}
