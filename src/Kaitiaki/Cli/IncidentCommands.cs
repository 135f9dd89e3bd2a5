using System.CommandLine;
using System.Globalization;
using System.Text;
using Kaitiaki.Accounts;
using Kaitiaki.Incidents;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Kaitiaki.Cli;

/// <summary>
/// The <c>incident</c> verbs: what the incident manager's pages and API do, from the command line. Every verb acts
/// as a named incident manager (<c>--as</c>), so the audit trail says who did it.
/// </summary>
internal static class IncidentCommands
{
    public static Command Incident()
    {
        var incident = new Command("incident", "Breach incidents: open one, scope it over the audit trail, freeze, compare and export versions.");
        incident.Subcommands.Add(Create());
        incident.Subcommands.Add(Scope());
        incident.Subcommands.Add(Freeze());
        incident.Subcommands.Add(Compare());
        incident.Subcommands.Add(Export());
        return incident;
    }

    private static Option<string> As() => new("--as") { Description = "The e-mail address of the incident manager doing this; the audit trail names them.", Required = true };

    private static Option<string> IncidentId() => new("--incident") { Description = "The incident's id.", Required = true };

    private static Command Create()
    {
        var title = new Option<string>("--title") { Description = "A short title, e.g. \"Bulk document downloads by one account\".", Required = true };
        var awareAt = new Option<string>("--aware-at") { Description = "When the operator became aware: an ISO time, e.g. 2026-12-01T09:30 (New Zealand time unless it ends in Z or an offset).", Required = true };
        var actor = As();
        var command = new Command("create", "Open an incident. Prints its id.") { TreatUnmatchedTokensAsErrors = false };
        command.Options.Add(title);
        command.Options.Add(awareAt);
        command.Options.Add(actor);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            AsManagerAsync(services, parse.GetValue(actor)!, async (sp, manager) =>
            {
                if (!TryTime(parse.GetValue(awareAt), out var aware))
                {
                    return Fail("--aware-at is not a time. Write it as 2026-12-01T09:30 (New Zealand time), or with Z for UTC.");
                }
                var incidents = sp.GetRequiredService<IncidentService>();
                if (incidents.CheckNew(parse.GetValue(title), aware) is { } problem)
                {
                    return Fail(problem);
                }
                var opened = await incidents.OpenAsync(parse.GetValue(title)!, aware, manager, null, token);
                Console.WriteLine(opened.Id);
                return 0;
            }, token), ct));
        return command;
    }

    private static Command Scope()
    {
        var id = IncidentId();
        var from = new Option<string>("--from") { Description = "Start of the window (inclusive): an ISO time, New Zealand time unless it ends in Z or an offset.", Required = true };
        var to = new Option<string>("--to") { Description = "End of the window (inclusive).", Required = true };
        var lists = new (string Name, string Description)[]
        {
            ("--account", "Only events by this account id (repeat for more)."),
            ("--exclude-account", "Leave out events by this account id."),
            ("--session", "Only events in this session id."),
            ("--exclude-session", "Leave out events in this session id."),
            ("--ip", "Only events from this address or CIDR network, e.g. 203.0.113.0/24."),
            ("--exclude-ip", "Leave out events from this address or network."),
            ("--client", "Only events by this API client."),
            ("--exclude-client", "Leave out events by this API client."),
            ("--module", "Only this module's actions (documents)."),
            ("--action", "Only this action: download, preview, view or list."),
            ("--exclude-action", "Leave out this action."),
        };
        var options = lists.ToDictionary(l => l.Name, l => new Option<string[]>(l.Name) { Description = l.Description, AllowMultipleArgumentsPerToken = true });
        var actor = As();
        var command = new Command("scope", "Run a scope over the audit trail as a new version of the incident's scope, showing progress, and print its counts.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(id);
        command.Options.Add(from);
        command.Options.Add(to);
        foreach (var option in options.Values)
        {
            command.Options.Add(option);
        }
        command.Options.Add(actor);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            AsManagerAsync(services, parse.GetValue(actor)!, async (sp, manager) =>
            {
                if (!Guid.TryParse(parse.GetValue(id), out var incidentId))
                {
                    return Fail("--incident must be an incident id.");
                }
                if (!TryTime(parse.GetValue(from), out var start) || !TryTime(parse.GetValue(to), out var end))
                {
                    return Fail("--from and --to must be times, such as 2026-12-01T09:30 (New Zealand time) or 2026-11-30T20:30Z.");
                }
                string[] Values(string name) => parse.GetValue(options[name]) ?? [];
                if (!TryIds(Values("--account"), out var accounts) || !TryIds(Values("--exclude-account"), out var excludeAccounts)
                    || !TryIds(Values("--session"), out var sessions) || !TryIds(Values("--exclude-session"), out var excludeSessions))
                {
                    return Fail("--account, --exclude-account, --session and --exclude-session take ids, such as 3f2a9c1b-….");
                }
                var request = new ScopeRequest(start, end, accounts, sessions, Values("--ip"), Values("--action"), excludeAccounts, excludeSessions,
                    Values("--exclude-ip"), Values("--exclude-action"), Values("--client"), Values("--exclude-client"), Values("--module"));
                if (!ScopeFilter.TryRead(request, out var filter, out var problem))
                {
                    return Fail(problem);
                }
                var result = await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Scoping");
                    task.IsIndeterminate = true;
                    var run = await sp.GetRequiredService<Scoping>().RunAsync(incidentId, filter, manager, new Progress<string>(s => task.Description = s.EscapeMarkup()), token);
                    task.StopTask();
                    return run;
                });
                if (result.Version is not { } version)
                {
                    return Fail(result.Problem!);
                }
                if (!version.TrailVerified)
                {
                    Console.Error.WriteLine($"WARNING: THE AUDIT TRAIL OVER THIS WINDOW FAILED VERIFICATION. {version.TrailMessage}");
                }
                Console.WriteLine($"Version {version.Version}: {version.Patients} patients, {version.Documents} documents "
                                  + $"({version.ContentDocuments} content, {version.MetadataDocuments} metadata only), {version.Practices} practices, "
                                  + $"from {version.EventsMatched} audit events.");
                return 0;
            }, token), ct));
        return command;
    }

    private static Command Freeze()
    {
        var id = IncidentId();
        var number = new Option<int>("--version") { Description = "The version to freeze.", Required = true };
        var actor = As();
        var command = new Command("freeze", "Freeze a scope version: from then on it never changes, and patients' statuses follow it.") { TreatUnmatchedTokensAsErrors = false };
        command.Options.Add(id);
        command.Options.Add(number);
        command.Options.Add(actor);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            AsManagerAsync(services, parse.GetValue(actor)!, async (sp, manager) =>
            {
                if (!Guid.TryParse(parse.GetValue(id), out var incidentId))
                {
                    return Fail("--incident must be an incident id.");
                }
                var version = parse.GetValue(number);
                return await sp.GetRequiredService<IncidentService>().FreezeAsync(incidentId, version, manager, token) switch
                {
                    FreezeResult.NoSuchVersion => Fail($"That incident has no scope version {version}."),
                    FreezeResult.AlreadyFrozen => Fail($"Version {version} was frozen already and never changes."),
                    _ => Done($"Version {version} is frozen."),
                };
            }, token), ct));
        return command;
    }

    private static Command Compare()
    {
        var id = IncidentId();
        var a = new Option<int>("--from-version") { Description = "The earlier version.", Required = true };
        var b = new Option<int>("--to-version") { Description = "The later version.", Required = true };
        var actor = As();
        var command = new Command("compare", "Say which patients and documents one version adds and removes against another.") { TreatUnmatchedTokensAsErrors = false };
        command.Options.Add(id);
        command.Options.Add(a);
        command.Options.Add(b);
        command.Options.Add(actor);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            AsManagerAsync(services, parse.GetValue(actor)!, async (sp, manager) =>
            {
                if (!Guid.TryParse(parse.GetValue(id), out var incidentId))
                {
                    return Fail("--incident must be an incident id.");
                }
                var comparison = await sp.GetRequiredService<IncidentService>().CompareAsync(incidentId, parse.GetValue(a), parse.GetValue(b), token);
                if (comparison is null)
                {
                    return Fail("That incident does not have both versions. Versions are compared within one incident.");
                }
                await sp.GetRequiredService<Audit.AuditTrail>().RecordAndSaveAsync(Audit.AuditAction.IncidentViewed, resourceType: "Incident", resourceId: incidentId,
                    detail: $"compare {comparison.FromVersion} with {comparison.ToVersion}", actorAccountId: manager, cancellationToken: token);
                Console.WriteLine($"From version {comparison.FromVersion} to version {comparison.ToVersion}:");
                Console.WriteLine($"  patients added {comparison.PatientsAdded.Count}, removed {comparison.PatientsRemoved.Count}");
                Console.WriteLine($"  documents added {comparison.DocumentsAdded.Count}, removed {comparison.DocumentsRemoved.Count}");
                foreach (var (label, ids) in new[] { ("patient added", comparison.PatientsAdded), ("patient removed", comparison.PatientsRemoved),
                             ("document added", comparison.DocumentsAdded), ("document removed", comparison.DocumentsRemoved) })
                {
                    foreach (var x in ids)
                    {
                        Console.WriteLine($"{label}\t{x}");
                    }
                }
                return 0;
            }, token), ct));
        return command;
    }

    private static Command Export()
    {
        var id = IncidentId();
        var number = new Option<int>("--version") { Description = "The version to export.", Required = true };
        var practice = new Option<string?>("--practice") { Description = "Only this practice's patients (enrolled there at the time of access or now)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The CSV file to write (readable by its owner only).", Required = true };
        var actor = As();
        var command = new Command("export", "Write a version's affected patients as CSV, naming the version on every row.") { TreatUnmatchedTokensAsErrors = false };
        command.Options.Add(id);
        command.Options.Add(number);
        command.Options.Add(practice);
        command.Options.Add(output);
        command.Options.Add(actor);
        command.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            AsManagerAsync(services, parse.GetValue(actor)!, async (sp, _) =>
            {
                if (!Guid.TryParse(parse.GetValue(id), out var incidentId))
                {
                    return Fail("--incident must be an incident id.");
                }
                Guid? practiceId = null;
                if (parse.GetValue(practice) is { } given)
                {
                    if (!Guid.TryParse(given, out var p))
                    {
                        return Fail("--practice must be a practice id.");
                    }
                    practiceId = p;
                }
                var review = sp.GetRequiredService<PracticeReview>();
                var version = parse.GetValue(number);
                var file = parse.GetValue(output)!;
                var written = 0;
                var found = true;
                await using (var stream = new FileStream(file.FullName, OwnerOnly.NewFile()))
                await using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
                {
                    await writer.WriteLineAsync(ScopeCsv.Header);
                    await AnsiConsole.Progress().StartAsync(async progress =>
                    {
                        var task = progress.AddTask("Exporting patients");
                        for (var page = 1; ; page++)
                        {
                            var list = await review.VersionPatientsAsync(incidentId, version, page, PracticeReview.MaxPageSize, practiceId, token);
                            if (list is null)
                            {
                                found = false;
                                break;
                            }
                            task.MaxValue = Math.Max(1, list.Total);
                            foreach (var row in list.Patients)
                            {
                                await writer.WriteLineAsync(ScopeCsv.Row(list.Version, row));
                                written++;
                            }
                            task.Value = written;
                            if (!list.HasNext)
                            {
                                break;
                            }
                        }
                        task.StopTask();
                    });
                }
                if (!found)
                {
                    File.Delete(file.FullName);
                    return Fail($"That incident has no scope version {version}.");
                }
                Console.WriteLine($"Wrote {written} patients of version {version} to {file.FullName}.");
                return 0;
            }, token), ct));
        return command;
    }

    /// <summary>Runs <paramref name="work"/> as the incident manager with this e-mail address, or says why not.</summary>
    private static async Task<int> AsManagerAsync(IServiceProvider services, string email, Func<IServiceProvider, Guid, Task<int>> work, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var normal = email.Trim().ToUpperInvariant();
        var manager = await db.Users.AsNoTracking()
            .Where(a => a.NormalizedEmail == normal && a.Kind == AccountKind.Operator && a.OperatorRole == OperatorRole.IncidentManager)
            .Select(a => (Guid?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (manager is null)
        {
            return Fail("--as must be the e-mail address of an incident manager's account.");
        }
        var code = await work(scope.ServiceProvider, manager.Value);
        await KaitiakiCli.CheckpointAsync(scope.ServiceProvider, cancellationToken);
        return code;
    }

    private static bool TryTime(string? text, out DateTime utc)
    {
        utc = default;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            return false;
        }
        utc = parsed.Kind switch
        {
            DateTimeKind.Utc => parsed,
            DateTimeKind.Local => parsed.ToUniversalTime(),
            _ => Web.NzTime.ToUtc(parsed),
        };
        return true;
    }

    private static bool TryIds(string[] texts, out List<Guid> ids)
    {
        ids = [];
        foreach (var text in texts)
        {
            if (!Guid.TryParse(text, out var id))
            {
                return false;
            }
            ids.Add(id);
        }
        return true;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static int Done(string message)
    {
        Console.WriteLine(message);
        return 0;
    }
}
