using System.CommandLine;
using Kaitiaki.Documents;
using Spectre.Console;

namespace Kaitiaki.Cli;

/// <summary>The <c>documents</c> and <c>keys</c> verbs: shredding, retention, verification and master-key rotation.</summary>
internal static class DocumentCommands
{
    public static Command Documents()
    {
        var purge = new Command("purge", "Destroy the data keys (and blobs) of documents deleted longer ago than Kaitiaki:Documents:DeleteGraceDays.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        purge.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            InScopeAsync(services, async sp =>
            {
                var count = await WithProgressAsync("Shredding deleted documents", p => sp.GetRequiredService<DocumentMaintenance>().PurgeAsync(p, token));
                Console.WriteLine($"Shredded {count} deleted documents.");
                return 0;
            }, token), ct));

        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be shredded, and change nothing." };
        var apply = new Option<bool>("--apply") { Description = "Shred every document past its retention rule." };
        var retention = new Command("retention", "Crypto-shred documents past the retention rules in Kaitiaki:Documents:RetentionDays.") { TreatUnmatchedTokensAsErrors = false };
        retention.Options.Add(dryRun);
        retention.Options.Add(apply);
        retention.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
        {
            if (parse.GetValue(dryRun) == parse.GetValue(apply))
            {
                Console.Error.WriteLine("Choose exactly one of --dry-run or --apply.");
                return Task.FromResult(2);
            }
            return InScopeAsync(services, async sp =>
            {
                var maintenance = sp.GetRequiredService<DocumentMaintenance>();
                var candidates = await maintenance.RetentionCandidatesAsync(token);
                foreach (var rule in candidates.GroupBy(c => c.Rule))
                {
                    Console.WriteLine($"{rule.Key}: {rule.Count()} documents, oldest uploaded {rule.Min(c => c.UploadedAt):yyyy-MM-dd}");
                }
                if (parse.GetValue(dryRun))
                {
                    Console.WriteLine($"{candidates.Count} documents would be shredded. Nothing was changed (dry run).");
                    return 0;
                }
                var count = await WithProgressAsync("Shredding expired documents", p => maintenance.ApplyRetentionAsync(candidates, p, token));
                Console.WriteLine($"Shredded {count} documents past their retention period.");
                return 0;
            }, token);
        }, ct));

        var verify = new Command("verify", "Check that every document decrypts and matches its hash; report blobs without rows and rows without blobs. Deletes nothing.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        verify.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            InScopeAsync(services, async sp =>
            {
                var report = await WithProgressAsync("Verifying documents", p => sp.GetRequiredService<DocumentMaintenance>().VerifyAsync(p, token));
                Console.WriteLine($"Checked {report.Checked} documents.");
                foreach (var problem in report.Problems)
                {
                    Console.WriteLine("PROBLEM: " + problem);
                }
                foreach (var id in report.RowsWithoutBlobs)
                {
                    Console.WriteLine($"ROW WITHOUT BLOB: document {id}");
                }
                foreach (var name in report.BlobsWithoutRows)
                {
                    Console.WriteLine($"Blob without a row (left by an interrupted upload or a shred): {name}");
                }
                Console.WriteLine(report.Clean ? "Every document opens and matches its hash." : "Some documents have problems (listed above).");
                return report.Clean ? 0 : 3;
            }, token), ct));

        var documents = new Command("documents", "Maintain the encrypted document store.");
        documents.Subcommands.Add(purge);
        documents.Subcommands.Add(retention);
        documents.Subcommands.Add(verify);
        return documents;
    }

    public static Command Keys()
    {
        var rotate = new Command("rotate", "Make a new master key, re-wrap every document's data key under it, then retire the old key. Safe to run again after an interruption: it carries on.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        rotate.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            InScopeAsync(services, async sp =>
            {
                var status = await sp.GetRequiredService<KeyRotation>().StatusAsync(token);
                if (status.CurrentKeyId is null && status.DataKeysByMasterKey.Count > 0)
                {
                    Console.Error.WriteLine("The current master key is missing. Restore the keys folder (Kaitiaki:KeysDirectory) from its backup before rotating.");
                    return 1;
                }
                var (rewrapped, retired) = await WithProgressAsync("Re-wrapping data keys", p => sp.GetRequiredService<KeyRotation>().RotateAsync(p, token));
                Console.WriteLine($"Re-wrapped {rewrapped} data keys. Retired master keys: {(retired.Count == 0 ? "none" : string.Join(", ", retired))}.");
                return 0;
            }, token), ct));

        var status = new Command("status", "Show the current master key and how many data keys each master key wraps.") { TreatUnmatchedTokensAsErrors = false };
        status.SetAction((parse, ct) => KaitiakiCli.WithServicesAsync([.. parse.UnmatchedTokens], (services, token) =>
            InScopeAsync(services, async sp =>
            {
                var s = await sp.GetRequiredService<KeyRotation>().StatusAsync(token);
                Console.WriteLine(s.CurrentKeyId is null
                    ? (s.DataKeysByMasterKey.Count == 0 ? "No master key yet: the first upload creates one." : "The current master key is MISSING: restore the keys folder from its backup.")
                    : $"Current master key: {s.CurrentKeyId}");
                foreach (var key in s.ActiveKeys)
                {
                    Console.WriteLine($"  {key}: {s.DataKeysByMasterKey.GetValueOrDefault(key)} data keys{(key == s.CurrentKeyId ? " (current)" : "")}");
                }
                foreach (var missing in s.DataKeysByMasterKey.Keys.Except(s.ActiveKeys))
                {
                    Console.WriteLine($"  {missing}: {s.DataKeysByMasterKey[missing]} data keys, but the key file is MISSING");
                }
                Console.WriteLine(s.RotationInProgress ? "A rotation is unfinished: run `kaitiaki keys rotate` to complete it." : "No rotation in progress.");
                return 0;
            }, token), ct));

        var keys = new Command("keys", "Manage the master keys that wrap document data keys.");
        keys.Subcommands.Add(rotate);
        keys.Subcommands.Add(status);
        return keys;
    }

    private static async Task<int> InScopeAsync(IServiceProvider services, Func<IServiceProvider, Task<int>> run, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var result = await run(scope.ServiceProvider);
        await KaitiakiCli.CheckpointAsync(scope.ServiceProvider, cancellationToken);
        return result;
    }

    private static Task<T> WithProgressAsync<T>(string title, Func<IProgress<double>, Task<T>> work) =>
        AnsiConsole.Progress().StartAsync(async context =>
        {
            var task = context.AddTask(title);
            var result = await work(new Progress<double>(v => task.Value = v));
            task.Value = 100;
            return result;
        });
}
