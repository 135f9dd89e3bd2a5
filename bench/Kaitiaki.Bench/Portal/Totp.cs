using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Kaitiaki.Bench.Portal;

/// <summary>RFC 6238 codes as an authenticator app makes them: HMAC-SHA1, six digits, 30-second steps.</summary>
internal static class Totp
{
    public const int StepSeconds = 30;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    public static string Code(string base32Secret, long step)
    {
        var counter = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        // RFC 6238 fixes HMAC-SHA1; SHA-1's collision weakness does not carry over to HMAC.
#pragma warning disable CA5350
        var mac = HMACSHA1.HashData(FromBase32(base32Secret), counter);
#pragma warning restore CA5350
        var start = mac[^1] & 0x0f;
        var value = (BinaryPrimitives.ReadUInt32BigEndian(mac.AsSpan(start, 4)) & 0x7fff_ffff) % 1_000_000;
        return value.ToString("D6", CultureInfo.InvariantCulture);
    }

    private static byte[] FromBase32(string text)
    {
        var bytes = new List<byte>();
        var accumulator = 0;
        var bitCount = 0;
        foreach (var c in text.ToUpperInvariant())
        {
            if (c is '=' or ' ')
            {
                continue;
            }
            var value = c switch
            {
                >= 'A' and <= 'Z' => c - 'A',
                >= '2' and <= '7' => c - '2' + 26,
                _ => throw new BenchException("A demo account's authenticator secret is not base32."),
            };
            accumulator = (accumulator << 5) | value;
            bitCount += 5;
            if (bitCount >= 8)
            {
                bitCount -= 8;
                bytes.Add((byte)(accumulator >> bitCount));
                accumulator &= (1 << bitCount) - 1;
            }
        }
        return [.. bytes];
    }
}
