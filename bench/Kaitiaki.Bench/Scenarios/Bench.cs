using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>What every scenario works with: the portal, its demo people, its clock, and a place to say what is happening.</summary>
internal sealed class Bench : IDisposable
{
    public Bench(Uri portal, DemoAccounts accounts)
    {
        Portal = portal;
        Accounts = accounts;
        Clock = new PortalClock(portal);
        SignIn = new SignIn(portal, Clock);
    }

    public Uri Portal { get; }
    public DemoAccounts Accounts { get; }
    public PortalClock Clock { get; }
    public SignIn SignIn { get; }

    public void Dispose() => Clock.Dispose();

    /// <summary>Progress for the person running the bench, on stderr: stdout carries the one result line.</summary>
    public static void Say(string message) => Console.Error.WriteLine(message);

    /// <summary>Fails early, in words, when nothing answers at the URL; learns the portal's time if it runs the benchmark clock.</summary>
    public async Task CheckPortalAsync(CancellationToken cancellationToken)
    {
        using var http = PortalHttp.Create(Portal, Sources.Home, connections: 1);
        try
        {
            using var response = await http.GetAsync("/health/ready", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchException($"The portal at {Portal} is not ready (GET /health/ready answered {(int)response.StatusCode}).");
            }
            await Clock.TrySyncAsync(cancellationToken);
        }
        catch (HttpRequestException error) when (error.InnerException is not BenchException)
        {
            throw new BenchException($"No portal answers at {Portal} ({error.Message}).");
        }
    }
}
