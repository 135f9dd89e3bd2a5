using System.CommandLine;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Demo;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;

namespace Kaitiaki.Cli;

/// <summary>
/// The admin command line. <c>serve</c> is the default verb, so <c>kaitiaki --urls http://…</c>
/// runs the portal; every other verb builds the same services and does one job.
/// </summary>
internal static class KaitiakiCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Kaitiaki: the patient portal and its admin command line. With no verb, serves the portal.");
        Command[] verbs =
        [
            ServeCommand(),
            SimpleCommand("migrate", "Create the data folders and apply database migrations.", MigrateAsync),
            DemoDataCommand(),
            UsersCommand(),
            AuditCommand(),
            DocumentCommands.Documents(),
            DocumentCommands.Keys(),
            IncidentCommands.Incident(),
            .. BenchCommands.All(),
        ];
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(verb);
        }

        var known = verbs.Select(v => v.Name).Concat(["--help", "-h", "-?", "--version"]).ToHashSet();
        if (args.Length == 0 || !known.Contains(args[0]))
        {
            return await ServeAsync(args);
        }
        return await root.Parse(args).InvokeAsync();
    }

    private static Command ServeCommand()
    {
        var serve = new Command("serve", "Serve the portal (the default). Accepts the standard ASP.NET Core options, e.g. --urls http://localhost:5080.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        serve.SetAction((parse, _) => ServeAsync([.. parse.UnmatchedTokens]));
        return serve;
    }

    private static Command SimpleCommand(string name, string description, Func<IServiceProvider, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((parse, ct) => WithServicesAsync([.. parse.UnmatchedTokens], run, ct));
        return command;
    }

    private static Command DemoDataCommand()
    {
        var patients = new Option<string?>("--patients")
        {
            Description = $"Also add N synthetic patients without accounts (0 to {DemoPopulation.MaxPatients}, default 0), each enrolled at a practice on the portal with one to four documents.",
            HelpName = "N",
        };
        var command = new Command("demo-data", "Fill an empty database with the demo world and write demo-accounts.json to the data folder.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Options.Add(patients);
        command.SetAction((parse, ct) =>
        {
            var given = parse.GetValue(patients);
            var count = 0;
            if (given is not null && (!int.TryParse(given, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count)
                    || count > DemoPopulation.MaxPatients))
            {
                Console.Error.WriteLine($"--patients must be a whole number from 0 to {DemoPopulation.MaxPatients} (it is '{given}').");
                return Task.FromResult(2);
            }
            return WithServicesAsync([.. parse.UnmatchedTokens], (services, token) => DemoDataAsync(services, count, token), ct);
        });
        return command;
    }

    private static Command UsersCommand()
    {
        var role = new Option<string>("--role") { Description = "support-agent, security-analyst or incident-manager", Required = true };
        var email = new Option<string>("--email") { Description = "The operator's e-mail address; the activation code is sent there.", Required = true };
        var name = new Option<string?>("--name") { Description = "The operator's name as others will see it (default: the e-mail address)." };
        var addOperator = new Command("add-operator", "Invite an operator (support agent, security analyst or incident manager). They activate with the e-mailed code.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        addOperator.Options.Add(role);
        addOperator.Options.Add(email);
        addOperator.Options.Add(name);
        addOperator.SetAction((parse, ct) => WithServicesAsync([.. parse.UnmatchedTokens], async (services, token) =>
        {
            var parsedRole = Roles.ParseOperatorRole(parse.GetValue(role));
            if (parsedRole is null)
            {
                Console.Error.WriteLine("--role must be support-agent, security-analyst or incident-manager.");
                return 2;
            }
            var address = parse.GetValue(email)!.Trim();
            if (!System.Net.Mail.MailAddress.TryCreate(address, out _))
            {
                Console.Error.WriteLine("--email is not a valid e-mail address.");
                return 2;
            }
            await using var scope = services.CreateAsyncScope();
            var invitations = scope.ServiceProvider.GetRequiredService<InvitationService>();
            try
            {
                await invitations.InviteOperatorAsync(address, parse.GetValue(name) ?? address, parsedRole.Value, token);
            }
            catch (InvitationException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            await CheckpointAsync(scope.ServiceProvider, token);
            Console.WriteLine($"Invited {Roles.Of(parsedRole.Value)}. The activation code was e-mailed; they finish at /account/activate.");
            return 0;
        }, ct));
        var users = new Command("users", "Manage accounts.");
        users.Subcommands.Add(addOperator);
        return users;
    }

    private static Command AuditCommand()
    {
        var verify = SimpleCommand("verify", "Check the audit trail's hash chain and signed checkpoints. Exits 0 when intact; otherwise names the first bad event.", VerifyAsync);

        var from = new Option<DateTime>("--from") { Description = "Start (UTC, inclusive), e.g. 2026-01-01", Required = true };
        var to = new Option<DateTime>("--to") { Description = "End (UTC, exclusive), e.g. 2026-02-01", Required = true };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var export = new Command("export", "Write audit events as FHIR R4 AuditEvent resources, one per line (NDJSON).") { TreatUnmatchedTokensAsErrors = false };
        export.Options.Add(from);
        export.Options.Add(to);
        export.Options.Add(output);
        export.SetAction((parse, ct) => WithServicesAsync([.. parse.UnmatchedTokens], async (services, token) =>
        {
            var start = DateTime.SpecifyKind(parse.GetValue(from), DateTimeKind.Utc);
            var end = DateTime.SpecifyKind(parse.GetValue(to), DateTimeKind.Utc);
            if (end <= start)
            {
                Console.Error.WriteLine("--to must be later than --from.");
                return 2;
            }
            await using var scope = services.CreateAsyncScope();
            var exporter = scope.ServiceProvider.GetRequiredService<FhirAuditExport>();
            var file = parse.GetValue(output);
            long count;
            if (file is null)
            {
                count = await exporter.WriteAsync(Console.Out, start, end, null, token);
            }
            else
            {
                await using var writer = new StreamWriter(file.FullName);
                count = await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask("Exporting audit events");
                    task.IsIndeterminate = true;
                    var n = await exporter.WriteAsync(writer, start, end, new Progress<long>(v => task.Description = $"Exported {v} events"), token);
                    task.StopTask();
                    return n;
                });
                Console.Error.WriteLine($"Wrote {count} AuditEvent resources to {file.FullName}.");
            }
            await scope.ServiceProvider.GetRequiredService<AuditTrail>()
                .RecordAndSaveAsync(AuditAction.AuditExported, detail: $"{count} events", cancellationToken: token);
            await CheckpointAsync(scope.ServiceProvider, token);
            return 0;
        }, ct));

        var audit = new Command("audit", "Verify or export the audit trail.");
        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(export);
        return audit;
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        var builder = KaitiakiHost.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://localhost:5080");
        }
        var app = KaitiakiHost.Build(builder);
        var options = app.Services.GetRequiredService<KaitiakiOptions>();
        if (app.Environment.IsDevelopment())
        {
            await StorageSetup.MigrateAsync(app.Services, CancellationToken.None);
            if (await DemoWorld.IsDatabaseEmptyAsync(app.Services, CancellationToken.None))
            {
                Console.WriteLine("Setting up the demo world (first run only)…");
                await DemoWorld.SeedAsync(app.Services, null, CancellationToken.None);
            }
        }
        else
        {
            await using var scope = app.Services.CreateAsyncScope();
            var pending = await scope.ServiceProvider.GetRequiredService<KaitiakiDb>().Database.GetPendingMigrationsAsync();
            if (pending.Any())
            {
                Console.Error.WriteLine("The database schema is out of date. Run `kaitiaki migrate` first.");
                return 1;
            }
        }
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Console.WriteLine($"Kaitiaki is running at {string.Join(", ", app.Urls)}");
            if (File.Exists(options.DemoAccountsPath))
            {
                Console.WriteLine($"Demo accounts (passwords and authenticator secrets): {options.DemoAccountsPath}");
            }
        });
        await app.RunAsync();
        return 0;
    }

    internal static async Task<int> WithServicesAsync(string[] configArgs, Func<IServiceProvider, CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        try
        {
            var app = KaitiakiHost.Build(KaitiakiHost.CreateBuilder(configArgs));
            return await run(app.Services, cancellationToken);
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Kaitiaki:", StringComparison.Ordinal))
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
    }

    private static async Task<int> MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await AnsiConsole.Status().StartAsync("Applying migrations…", _ => StorageSetup.MigrateAsync(services, cancellationToken));
        // Serving seals them too, before its first request; doing it here lets an upgrade finish offline.
        await using (var scope = services.CreateAsyncScope())
        {
            var sealedSeeds = await scope.ServiceProvider.GetRequiredService<Accounts.TotpSeeds>().SealPlainRowsAsync(cancellationToken);
            if (sealedSeeds > 0)
            {
                Console.WriteLine($"Sealed {sealedSeeds} authenticator seeds that were stored in plain text.");
            }
        }
        Console.WriteLine("The database is up to date.");
        return 0;
    }

    private static async Task<int> DemoDataAsync(IServiceProvider services, int patientsWithoutAccounts, CancellationToken cancellationToken)
    {
        await StorageSetup.MigrateAsync(services, cancellationToken);
        if (!await DemoWorld.IsDatabaseEmptyAsync(services, cancellationToken))
        {
            Console.Error.WriteLine("The database already holds data; the demo world is only added to an empty one.");
            return 1;
        }
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Creating the demo world");
            await DemoWorld.SeedAsync(services, patientsWithoutAccounts, new Progress<double>(v => task.Value = v), cancellationToken);
            task.Value = 100;
        });
        Console.WriteLine($"Demo accounts written to {services.GetRequiredService<KaitiakiOptions>().DemoAccountsPath}");
        return 0;
    }

    private static async Task<int> VerifyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var verifier = scope.ServiceProvider.GetRequiredService<AuditVerifier>();
        var result = await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Verifying the audit trail");
            task.IsIndeterminate = true;
            var r = await verifier.VerifyAsync(new Progress<long>(n => task.Description = $"Verified {n} events"), cancellationToken);
            task.StopTask();
            return r;
        });
        if (result.Intact)
        {
            Console.WriteLine(result.Message);
            await scope.ServiceProvider.GetRequiredService<AuditTrail>()
                .RecordAndSaveAsync(AuditAction.AuditVerified, detail: $"intact at {result.EventsChecked}", cancellationToken: cancellationToken);
            await CheckpointAsync(scope.ServiceProvider, cancellationToken);
            return 0;
        }
        Console.Error.WriteLine(result.FirstBadSequence is { } bad
            ? $"AUDIT TRAIL BROKEN at event {bad}: {result.Message}"
            : $"AUDIT TRAIL CANNOT BE VERIFIED: {result.Message}");
        return 3;
    }

    internal static Task<long> CheckpointAsync(IServiceProvider scoped, CancellationToken cancellationToken) =>
        scoped.GetRequiredService<AuditCheckpoints>().WriteHeadAsync(scoped.GetRequiredService<KaitiakiDb>(), cancellationToken);
}
