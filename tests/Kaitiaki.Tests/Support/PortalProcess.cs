using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kaitiaki.Tests.Support;

/// <summary>
/// The real portal as a child process (<c>dotnet kaitiaki.dll</c>), so a test can kill it the way a power cut
/// or the OOM killer would and start it again on the same data. Output is kept, not printed, for failure messages.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private PortalProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the portal wrote, for assertion messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>kaitiaki.dll is copied beside the test assembly by the project reference.</summary>
    public static string PortalDll => Path.Combine(AppContext.BaseDirectory, "kaitiaki.dll");

    /// <summary>Runs a command-line verb to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunVerbAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        await using var portal = Launch(args);
        using var limit = new CancellationTokenSource(timeout);
        await portal._process.WaitForExitAsync(limit.Token);
        return (portal._process.ExitCode, portal.RecentOutput);
    }

    /// <summary>Serves the portal on a free loopback port and waits until /health/ready answers.</summary>
    public static async Task<PortalProcess> ServeAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        // A port freed a moment ago can be taken by someone else before the portal binds it: try another.
        for (var attempt = 1; ; attempt++)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var portal = Launch([.. args, "--urls", url], url);
            try
            {
                await portal.WaitReadyAsync(timeout);
                return portal;
            }
            catch (PortalExitedException) when (attempt < 3)
            {
                await portal.DisposeAsync();
            }
            catch
            {
                await portal.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, no finally blocks.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(limit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }

    private static PortalProcess Launch(IEnumerable<string> args, string baseUrl = "")
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(PortalDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The child decides its own environment from --environment; nothing inherited should make it Development.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        var process = new Process { StartInfo = start };
        var portal = new PortalProcess(process, baseUrl);
        process.OutputDataReceived += (_, e) => portal.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return portal;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new PortalExitedException($"The portal exited with code {_process.ExitCode} before it was ready:\n{RecentOutput}");
            }
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The portal was not ready within {timeout}:\n{RecentOutput}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host running this test, so the portal runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private sealed class PortalExitedException(string message) : Exception(message);
}
