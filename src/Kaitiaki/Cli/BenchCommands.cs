using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Kaitiaki.Audit;
using Kaitiaki.Demo;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Cli;

/// <summary>
/// The breach-scope benchmark's two steps (bench/scope.sh runs both): <c>bench-data</c> generates a data set at a scale
/// into an empty database, and <c>bench-scope</c> scopes its attack end to end, to every practice's list, and prints
/// one JSON line of timings, peak memory and whether the numbers are exactly right. Hidden from help: they are for
/// benchmarking, never for a portal that holds real people.
/// </summary>
internal static class BenchCommands
{
    public static IEnumerable<Command> All() => [Data(), Scope()];

    private static Command Data()
    {
        var full = ScaleShape.ManageMyHealth;
        var patients = new Option<int>("--patients") { DefaultValueFactory = _ => full.Patients };
        var documents = new Option<int>("--documents") { DefaultValueFactory = _ => full.Documents };
        var events = new Option<long>("--events") { DefaultValueFactory = _ => full.AuditEvents };
        var practices = new Option<int>("--practices") { DefaultValueFactory = _ => full.Practices };
        var left = new Option<int>("--left-practices") { DefaultValueFactory = _ => full.LeftPractices };
        var victims = new Option<int>("--victims") { DefaultValueFactory = _ => full.Victims };
        var reads = new Option<int>("--content-reads") { DefaultValueFactory = _ => full.ContentReads };
        var decoys = new Option<int>("--decoys") { DefaultValueFactory = _ => full.Decoys };
        var probes = new Option<int>("--denied-probes") { DefaultValueFactory = _ => full.DeniedProbes };
        var command = new Command("bench-data", "Generate a breach-scope benchmark data set (ManageMyHealth's scale by default) into an empty database.")
        {
            Hidden = true,
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var option in new Option[] { patients, documents, events, practices, left, victims, reads, decoys, probes })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], async (services, token) =>
        {
            var shape = new ScaleShape(parse.GetValue(practices), parse.GetValue(left), parse.GetValue(patients), parse.GetValue(documents),
                parse.GetValue(events), parse.GetValue(victims), parse.GetValue(reads), parse.GetValue(decoys), parse.GetValue(probes), full.Seed);
            if (shape.Problem() is { } problem)
            {
                Console.Error.WriteLine(problem);
                return 2;
            }
            await StorageSetup.MigrateAsync(services, token);
            await using var scope = services.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            var world = new ScaleWorld(sp.GetRequiredService<KaitiakiDb>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<AuditCheckpoints>(), shape);
            ScaleSummary summary;
            try
            {
                summary = await world.GenerateAsync(new Progress<string>(s => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {s}")), token);
            }
            catch (InvalidOperationException ex) when (ex.Message.StartsWith("Scale data", StringComparison.Ordinal))
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            var path = Path.Combine(sp.GetRequiredService<KaitiakiOptions>().DataDirectory, ScaleSummary.FileName);
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(summary, ScaleSummary.Json), token);
            Console.WriteLine(JsonSerializer.Serialize(summary, ScaleSummary.Json));
            return 0;
        }, ct));
        return command;
    }

    private static Command Scope()
    {
        var command = new Command("bench-scope", "Scope the benchmark data set's attack and read every practice's list; print timings and whether the numbers are right.")
        {
            Hidden = true,
            TreatUnmatchedTokensAsErrors = false,
        };
        var readers = new Option<int>("--list-readers") { Description = "How many practices read their lists at the same time (default 4; 1 reads them one after another).", DefaultValueFactory = _ => 4 };
        command.Options.Add(readers);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], async (services, token) =>
        {
            if (parse.GetValue(readers) is < 1 or > 64)
            {
                Console.Error.WriteLine("--list-readers must be from 1 to 64.");
                return 2;
            }
            var path = Path.Combine(services.GetRequiredService<KaitiakiOptions>().DataDirectory, ScaleSummary.FileName);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"There is no {ScaleSummary.FileName} in the data folder: run bench-data first.");
                return 2;
            }
            var summary = JsonSerializer.Deserialize<ScaleSummary>(await File.ReadAllTextAsync(path, token), ScaleSummary.Json)!;
            var result = await ScaleBenchmark.RunAsync(services, summary, parse.GetValue(readers), new Progress<string>(s => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {s}")), token);
            Console.WriteLine(JsonSerializer.Serialize(result));
            return result.Correct ? 0 : 1;
        }, ct));
        return command;
    }
}

/// <summary>What one run of the breach-scope benchmark measured, and whether what it found is exactly what the data set holds.</summary>
internal sealed record ScaleBenchmarkResult(
    string Provider, int ListReaders, double ScopeSeconds, double ListsSeconds, double TotalSeconds, long PeakWorkingSetBytes,
    int Patients, int ContentDocuments, int MetadataDocuments, int Practices, long PracticeRows, int PracticeLists, int ListedPatients, long EventsMatched,
    bool TrailVerified, bool Correct, IReadOnlyList<string> Wrong);

/// <summary>
/// Scopes a scale data set's attack as the incident manager would (<see cref="Scoping"/>), then reads every affected
/// practice's list as that practice's privacy officer (<see cref="PracticeReview.PracticePatientsAsync"/>), page by page.
/// </summary>
internal static class ScaleBenchmark
{
    public static async Task<ScaleBenchmarkResult> RunAsync(
        IServiceProvider services, ScaleSummary summary, int listReaders, IProgress<string> progress, CancellationToken cancellationToken)
    {
        Guid incidentId;
        Guid manager;
        await using (var setup = services.CreateAsyncScope())
        {
            var db = setup.ServiceProvider.GetRequiredService<KaitiakiDb>();
            var email = summary.IncidentManagerEmail.ToUpperInvariant();
            manager = await db.Users.Where(a => a.NormalizedEmail == email).Select(a => a.Id).SingleAsync(cancellationToken);
            var incident = await setup.ServiceProvider.GetRequiredService<IncidentService>()
                .OpenAsync("Bulk document downloads by one account (benchmark)", summary.AttackTo.AddDays(1), manager, null, cancellationToken);
            incidentId = incident.Id;
        }

        var total = Stopwatch.StartNew();
        ScopeVersion version;
        await using (var scope = services.CreateAsyncScope())
        {
            var request = new ScopeRequest(summary.AttackFrom.AddHours(-1), summary.AttackTo.AddHours(1), [summary.AttackerAccountId]);
            if (!ScopeFilter.TryRead(request, out var filter, out var problem))
            {
                throw new InvalidOperationException(problem);
            }
            var run = await scope.ServiceProvider.GetRequiredService<Scoping>().RunAsync(incidentId, filter, manager, progress, cancellationToken);
            version = run.Version ?? throw new InvalidOperationException(run.Problem);
        }
        var scopeSeconds = total.Elapsed.TotalSeconds;

        progress.Report($"Reading every affected practice's list as its privacy officer, {listReaders} at a time");
        var lists = 0;
        long listedRows = 0;
        var listed = new HashSet<Guid>();
        List<(Guid PracticeId, Guid AccountId)> officers;
        await using (var scope = services.CreateAsyncScope())
        {
            officers = (await scope.ServiceProvider.GetRequiredService<KaitiakiDb>().StaffMemberships.AsNoTracking()
                    .Where(m => m.Role == StaffRole.PrivacyOfficer && m.EndedAt == null)
                    .Select(m => new { m.PracticeId, m.AccountId }).ToListAsync(cancellationToken))
                .Select(m => (m.PracticeId, m.AccountId)).ToList();
        }
        // Practices read their lists when they hear of the incident, many at once; listReaders of them are at it at any moment.
        var gate = new Lock();
        await Parallel.ForEachAsync(officers, new ParallelOptions { MaxDegreeOfParallelism = listReaders, CancellationToken = cancellationToken },
            async (officer, token) =>
            {
                for (var page = 1; ; page++)
                {
                    // A page is a request of its own, as on the practice's pages and in the API.
                    await using var request = services.CreateAsyncScope();
                    var part = await request.ServiceProvider.GetRequiredService<PracticeReview>()
                                   .PracticePatientsAsync(officer.AccountId, officer.PracticeId, incidentId, null, page, PracticeReview.DefaultPageSize, token)
                               ?? throw new InvalidOperationException("A privacy officer could not read their practice's list.");
                    lock (gate)
                    {
                        listedRows += part.Patients.Count;
                        listed.UnionWith(part.Patients.Select(p => p.PatientId));
                        if (!part.HasNext && part.Total > 0)
                        {
                            lists++;
                        }
                    }
                    if (!part.HasNext)
                    {
                        break;
                    }
                }
            });
        var seconds = total.Elapsed.TotalSeconds;

        var wrong = new List<string>();
        void Expect(string what, long found, long expected)
        {
            if (found != expected)
            {
                wrong.Add($"{what}: found {found}, expected {expected}");
            }
        }
        Expect("patients", version.Patients, summary.ExpectedPatients);
        Expect("content documents", version.ContentDocuments, summary.ExpectedContentDocuments);
        Expect("metadata-only documents", version.MetadataDocuments, summary.ExpectedMetadataDocuments);
        Expect("practices", version.Practices, summary.ExpectedPractices);
        Expect("rows across the practices' lists", listedRows, summary.ExpectedPracticeRows);
        Expect("patients across the practices' lists", listed.Count, summary.ExpectedPatients);
        Expect("practices with a list", lists, summary.ExpectedPractices);
        if (!version.TrailVerified)
        {
            wrong.Add($"the trail over the window did not verify: {version.TrailMessage}");
        }
        return new ScaleBenchmarkResult(summary.Provider, listReaders, Math.Round(scopeSeconds, 2), Math.Round(seconds - scopeSeconds, 2), Math.Round(seconds, 2),
            Process.GetCurrentProcess().PeakWorkingSet64, version.Patients, version.ContentDocuments,
            version.MetadataDocuments, version.Practices, listedRows, lists, listed.Count, version.EventsMatched, version.TrailVerified, wrong.Count == 0, wrong);
    }
}
