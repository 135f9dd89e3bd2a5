using System.Net;
using System.Net.Sockets;

namespace Kaitiaki.Accounts;

/// <summary>
/// Where a session came from, in words a person understands. The raw address stays on the session row and on every
/// audit event, for the security team; the account holder sees it only when it is a public address they could check.
/// </summary>
internal static class NetworkNames
{
    public const string Local = "Local network";
    public const string Unknown = "Unknown network";

    /// <summary>"Local network" for loopback and private ranges (a raw ::1 means nothing to anyone), else the address.</summary>
    public static string Describe(string? ipAddress)
    {
        if (string.IsNullOrWhiteSpace(ipAddress) || !IPAddress.TryParse(ipAddress, out var address))
        {
            return Unknown;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return IsLocal(address) ? Local : $"Internet address {address}";
    }

    private static bool IsLocal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        }
        var b = address.GetAddressBytes();
        // RFC 1918 private ranges, RFC 6598 carrier-grade NAT and 169.254/16 link-local: none is a place on the internet.
        return b[0] == 10
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && b[1] is >= 64 and <= 127)
            || (b[0] == 169 && b[1] == 254);
    }
}
