using System.CommandLine;
using System.Text.Json;
using Kaitiaki.Bench.Portal;
using Kaitiaki.Bench.Scenarios;

namespace Kaitiaki.Bench;

/// <summary>
/// Attacks a running portal, or gives it a normal working day, through its public HTTP API only, and prints one
/// JSON line with what happened. Progress and errors go to stderr; passwords and tokens go nowhere.
/// </summary>
internal static class Program
{
    private static readonly string[] ScenarioNames = ["probe", "harvest", "stuffing", "low-and-slow", "canary", "stolen-token"];

    public static async Task<int> Main(string[] args)
    {
        var url = new Option<string>("--url") { Description = "The portal, e.g. http://127.0.0.1:5080", Required = true };
        var accounts = new Option<string>("--accounts") { Description = "The portal's DATA_DIR/demo-accounts.json (or DATA_DIR)", Required = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for any one answer", DefaultValueFactory = _ => 30 };

        var scenario = new Option<string>("--scenario") { Description = string.Join(", ", ScenarioNames.Select((n, i) => $"{n} ({i + 1})")), Required = true };
        var probes = new Option<int>("--probes") { Description = "probe, stolen-token: how many foreign document ids to try", DefaultValueFactory = _ => 60 };
        var minutes = new Option<int>("--minutes") { Description = "low-and-slow: simulated minutes, one read each", DefaultValueFactory = _ => 480 };
        var seconds = new Option<int>("--seconds") { Description = "stuffing: how long to keep trying, in real seconds", DefaultValueFactory = _ => 90 };
        var attack = new Command("attack", "Run one attack scenario and print its result as one JSON line.") { scenario, url, accounts, timeout, probes, minutes, seconds };
        attack.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(url)!, parse.GetValue(accounts)!, parse.GetValue(timeout), async bench =>
        {
            var name = ScenarioName(parse.GetValue(scenario)!);
            await bench.CheckPortalAsync(cancellationToken);
            return name switch
            {
                "probe" => await Probe.RunAsync(bench, Positive(parse.GetValue(probes), "--probes"), cancellationToken),
                "harvest" => await Harvest.RunAsync(bench, cancellationToken),
                "stuffing" => await Stuffing.RunAsync(bench, TimeSpan.FromSeconds(Positive(parse.GetValue(seconds), "--seconds")), cancellationToken),
                "low-and-slow" => await LowAndSlow.RunAsync(bench, Positive(parse.GetValue(minutes), "--minutes"), cancellationToken),
                "canary" => await Canary.RunAsync(bench, cancellationToken),
                _ => (object)await StolenToken.RunAsync(bench, Positive(parse.GetValue(probes), "--probes"), cancellationToken),
            };
        }));

        var patients = new Option<int>("--patients") { Description = "How many patients use the portal during the day", DefaultValueFactory = _ => 1000 };
        var clinicians = new Option<int>("--clinicians") { Description = "How many clinicians work through a day list", DefaultValueFactory = _ => 50 };
        var hours = new Option<double>("--hours") { Description = "Simulated hours in the day", DefaultValueFactory = _ => 8 };
        var normal = new Command("normal", "Drive a simulated working day of legitimate use (needs --Kaitiaki:BenchmarkClock=true) and count false alerts.")
        {
            url, accounts, timeout, patients, clinicians, hours,
        };
        normal.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(url)!, parse.GetValue(accounts)!, parse.GetValue(timeout), async bench =>
        {
            var dayHours = parse.GetValue(hours);
            if (dayHours is <= 0 or > 24)
            {
                throw new BenchException("--hours must be more than 0 and at most 24.");
            }
            await bench.CheckPortalAsync(cancellationToken);
            return await NormalDay.RunAsync(bench, Positive(parse.GetValue(patients), "--patients"), Positive(parse.GetValue(clinicians), "--clinicians"),
                dayHours, cancellationToken);
        }));

        var root = new RootCommand("Kaitiaki's attack simulator and benchmark: drives a running portal through its HTTP API.") { attack, normal };
        return await root.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunAsync(string url, string accountsPath, int timeoutSeconds, Func<Scenarios.Bench, Task<object>> run)
    {
        try
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var portal) || portal.Scheme is not ("http" or "https"))
            {
                throw new BenchException($"--url must be an http or https address, such as http://127.0.0.1:5080 (it is '{url}').");
            }
            PortalHttp.RequestTimeout = TimeSpan.FromSeconds(Positive(timeoutSeconds, "--timeout"));
            using var bench = new Scenarios.Bench(portal, DemoAccounts.Load(accountsPath));
            var result = await run(bench);
            Console.Out.WriteLine(JsonSerializer.Serialize(result, result.GetType(), Json.Report));
            return 0;
        }
        catch (Exception error) when (Explain(error) is { } message)
        {
            await Console.Error.WriteLineAsync(message);
            return 2;
        }
    }

    /// <summary>Words for the failures a person running the bench can do something about; null for real bugs, which keep their stack trace.</summary>
    private static string? Explain(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is BenchException bench)
            {
                return bench.Message;
            }
        }
        return error switch
        {
            HttpRequestException http => $"The portal could not be reached ({http.GetBaseException().Message}). Is it running at --url?",
            TaskCanceledException { InnerException: TimeoutException } => $"The portal did not answer within {PortalHttp.RequestTimeout.TotalSeconds:0} s (--timeout).",
            OperationCanceledException => "Stopped before the run was done.",
            _ => null,
        };
    }

    private static string ScenarioName(string given)
    {
        if (int.TryParse(given, out var number) && number >= 1 && number <= ScenarioNames.Length)
        {
            return ScenarioNames[number - 1];
        }
        return ScenarioNames.FirstOrDefault(n => n.Equals(given.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new BenchException($"--scenario must be one of {string.Join(", ", ScenarioNames)} or 1 to {ScenarioNames.Length} (it is '{given}').");
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new BenchException($"{option} must be at least 1 (it is {value}).");
}
