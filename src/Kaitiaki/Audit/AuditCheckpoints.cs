using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

internal sealed record AuditCheckpoint(long Sequence, string Hash, DateTime WrittenAt, string Signature)
{
    internal byte[] SignedBytes() => Encoding.UTF8.GetBytes(
        $"kaitiaki-audit-checkpoint-v1\n{Sequence}\n{Hash}\n{WrittenAt.ToString("O", CultureInfo.InvariantCulture)}");
}

/// <summary>
/// Signed statements of the chain head, written to a folder outside the database with a key the
/// database never holds. Someone who can rewrite the database still cannot rewrite these.
/// </summary>
internal sealed class AuditCheckpoints(KaitiakiOptions options, KeyFiles keys, TimeProvider clock)
{
    private const string SigningKeyName = "audit-checkpoint-signing";
    // A new signing key only while no checkpoint exists; otherwise old checkpoints could no longer be checked.
    private readonly Lazy<ECDsa> _key = new(() => keys.LoadOrCreateSigningKey(SigningKeyName,
        mayCreate: !System.IO.Directory.Exists(options.AuditCheckpointPath) || System.IO.Directory.GetFiles(options.AuditCheckpointPath, "checkpoint-*.json").Length == 0));
    private readonly Lock _gate = new();

    public string Directory => options.AuditCheckpointPath;

    /// <summary>Writes a checkpoint of the current head if it moved since the last one. Returns the head's sequence.</summary>
    public async Task<long> WriteHeadAsync(KaitiakiDb db, CancellationToken cancellationToken)
    {
        var head = await db.AuditEvents.AsNoTracking()
            .OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash })
            .FirstOrDefaultAsync(cancellationToken);
        if (head is null)
        {
            return 0;
        }
        Write(head.Sequence, head.Hash);
        return head.Sequence;
    }

    /// <summary>Signs and writes a checkpoint of the event at <paramref name="sequence"/>, whose hash is <paramref name="hash"/>, unless one exists.</summary>
    public void Write(long sequence, byte[] hash)
    {
        lock (_gate)
        {
            var path = PathFor(sequence);
            if (File.Exists(path))
            {
                return;
            }
            var unsigned = new AuditCheckpoint(sequence, Convert.ToHexString(hash), clock.GetUtcNow().UtcDateTime, "");
            var signature = _key.Value.SignData(unsigned.SignedBytes(), HashAlgorithmName.SHA256);
            var checkpoint = unsigned with { Signature = Convert.ToBase64String(signature) };
            Storage.OwnerOnly.CreateDirectory(Directory);
            var temp = path + ".tmp";
            Storage.OwnerOnly.WriteAllText(temp, JsonSerializer.Serialize(checkpoint));
            File.Move(temp, path, overwrite: true);
        }
    }

    /// <summary>All checkpoints, in order, each with whether its signature holds.</summary>
    public IReadOnlyList<(AuditCheckpoint Checkpoint, bool SignatureValid, string File)> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        var result = new List<(AuditCheckpoint, bool, string)>();
        using var verifier = ECDsa.Create();
        var publicKeyPath = Path.Combine(keys.Directory, SigningKeyName + ".pub.pem");
        var havePublicKey = File.Exists(publicKeyPath);
        if (havePublicKey)
        {
            verifier.ImportFromPem(File.ReadAllText(publicKeyPath));
        }
        foreach (var file in System.IO.Directory.GetFiles(Directory, "checkpoint-*.json").Order(StringComparer.Ordinal))
        {
            AuditCheckpoint? checkpoint;
            try
            {
                checkpoint = JsonSerializer.Deserialize<AuditCheckpoint>(File.ReadAllText(file));
            }
            catch (JsonException)
            {
                checkpoint = null;
            }
            if (checkpoint is null)
            {
                result.Add((new AuditCheckpoint(0, "", DateTime.MinValue, ""), false, file));
                continue;
            }
            var valid = havePublicKey && TryVerify(verifier, checkpoint);
            result.Add((checkpoint, valid, file));
        }
        return result;
    }

    private static bool TryVerify(ECDsa verifier, AuditCheckpoint checkpoint)
    {
        try
        {
            return verifier.VerifyData(checkpoint.SignedBytes(), Convert.FromBase64String(checkpoint.Signature), HashAlgorithmName.SHA256);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private string PathFor(long sequence) => Path.Combine(Directory, $"checkpoint-{sequence:D12}.json");
}

/// <summary>Writes a checkpoint every few seconds while the portal runs, and once more as it stops.</summary>
internal sealed class AuditCheckpointService(IServiceProvider services, KaitiakiOptions options, ILogger<AuditCheckpointService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.AuditCheckpointIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await WriteAsync(cancellationToken);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>()
                .WriteHeadAsync(scope.ServiceProvider.GetRequiredService<KaitiakiDb>(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Writing an audit checkpoint failed; the next interval will try again.");
        }
    }
}
