using System.Net;
using System.Net.Sockets;

namespace Kaitiaki.Bench.Portal;

/// <summary>HTTP clients that send from a chosen loopback address, with timeouts, and never follow redirects or keep cookies.</summary>
internal static class PortalHttp
{
    public static TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static HttpClient Create(Uri portal, IPAddress source, int connections = 2)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxConnectionsPerServer = connections,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = (context, cancellationToken) => ConnectFromAsync(source, context.DnsEndPoint, cancellationToken),
        };
        return new HttpClient(handler) { BaseAddress = portal, Timeout = RequestTimeout };
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        // The source is IPv4, so the portal must be reached over IPv4 too: "localhost" may resolve to ::1 first.
        var addresses = await Dns.GetHostAddressesAsync(target.Host, AddressFamily.InterNetwork, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new BenchException($"{target.Host} has no IPv4 address; the simulator sends from 127.x.y.z addresses and needs the portal on IPv4 loopback.");
        }
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
            }
            catch (SocketException error)
            {
                throw new BenchException($"Cannot send from {source} ({error.SocketErrorCode}). On Linux all of 127.0.0.0/8 is loopback; elsewhere add the address to the loopback interface.");
            }
            await socket.ConnectAsync(new IPEndPoint(addresses[0], target.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
