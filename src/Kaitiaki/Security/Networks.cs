using System.Net;
using System.Net.Sockets;

namespace Kaitiaki.Security;

/// <summary>
/// Source addresses and the networks around them, in CIDR form. A block covers one address or a network of a fixed
/// size (IPv4 /32, /24, /16; IPv6 /128, /64, /48), so a request's check is a handful of look-ups, not a scan.
/// </summary>
internal static class Networks
{
    public static readonly int[] Ipv4Prefixes = [32, 24, 16];
    public static readonly int[] Ipv6Prefixes = [128, 64, 48];

    /// <summary>The /24 (IPv4) or /64 (IPv6) network of an address: "203.0.113.0/24". Null for no or an unreadable address.</summary>
    public static string? NetworkOf(string? address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return null;
        }
        ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        return Cidr(ip, ip.AddressFamily == AddressFamily.InterNetworkV6 ? 64 : 24);
    }

    /// <summary>An address as people write it: an IPv4 address a dual-stack socket reports as ::ffff:a.b.c.d comes back as a.b.c.d.</summary>
    public static string? Plain(string? address) =>
        IPAddress.TryParse(address, out var ip) ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : address;

    /// <summary>Every block that would cover the address, most specific first.</summary>
    public static IEnumerable<string> Covering(string? address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            yield break;
        }
        ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        foreach (var prefix in ip.AddressFamily == AddressFamily.InterNetwork ? Ipv4Prefixes : Ipv6Prefixes)
        {
            yield return Cidr(ip, prefix);
        }
    }

    /// <summary>
    /// Reads "203.0.113.7", "203.0.113.0/24" or "2001:db8::/64" into its normal form, or says what is wrong with it.
    /// </summary>
    public static bool TryNormalise(string? text, out string cidr, out string problem)
    {
        cidr = "";
        problem = "";
        var parts = (text ?? "").Trim().Split('/');
        // IPAddress reads "203.0.113" as 203.0.0.113; a person means all four parts or an IPv6 address.
        // Plain decimal parts only: "010.0.0.1" would otherwise be read as octal.
        var complete = parts[0].Contains(':', StringComparison.Ordinal)
            || (parts[0].Split('.') is { Length: 4 } octets && octets.All(o => o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit) && (o.Length == 1 || o[0] != '0')));
        if (parts.Length > 2 || !complete || !IPAddress.TryParse(parts[0], out var ip))
        {
            problem = "Give an address or network in CIDR form, such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/64.";
            return false;
        }
        ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        var allowed = ip.AddressFamily == AddressFamily.InterNetwork ? Ipv4Prefixes : Ipv6Prefixes;
        var prefix = allowed[0];
        if (parts.Length == 2 && (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix)
                                  || !allowed.Contains(prefix)))
        {
            problem = $"A block can cover one address or a network of these sizes: /{string.Join(", /", allowed)}.";
            return false;
        }
        cidr = Cidr(ip, prefix);
        return true;
    }

    private static string Cidr(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return $"{new IPAddress(bytes)}/{prefix}";
    }
}
