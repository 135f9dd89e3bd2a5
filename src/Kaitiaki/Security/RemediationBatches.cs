using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;

namespace Kaitiaki.Security;

internal enum RemediationStep
{
    Queued,
    Done,
    AlreadyPending,
    NotFound,
    Failed,
}

/// <summary>One account in a batch. <see cref="Label"/> says who it is for the analyst; the step moves on as the batch runs.</summary>
internal sealed class RemediationEntry(string label, Guid? accountId, RemediationStep step = RemediationStep.Queued)
{
    private int _step = (int)step;

    public string Label { get; } = label;

    /// <summary>Null for a line that named no account (an e-mail address nobody has).</summary>
    public Guid? AccountId { get; } = accountId;

    public RemediationStep Step
    {
        get => (RemediationStep)Volatile.Read(ref _step);
        set => Volatile.Write(ref _step, (int)value);
    }
}

internal sealed class RemediationBatch(Guid id, Guid startedBy, DateTime startedAt, IReadOnlyList<RemediationEntry> entries)
{
    private long _finishedTicks;

    public Guid Id { get; } = id;
    public Guid StartedBy { get; } = startedBy;
    public DateTime StartedAt { get; } = startedAt;
    public IReadOnlyList<RemediationEntry> Entries { get; } = entries;

    public DateTime? FinishedAt
    {
        get => Interlocked.Read(ref _finishedTicks) is var t and > 0 ? new DateTime(t, DateTimeKind.Utc) : null;
        set => Interlocked.Exchange(ref _finishedTicks, value?.Ticks ?? 0);
    }

    public int Count(RemediationStep step) => Entries.Count(e => e.Step == step);
}

/// <summary>Who a batch runs as: the analyst who started it, from where, so each step is recorded as theirs.</summary>
internal sealed record RemediationRunAs(ClaimsPrincipal User, IPAddress? Address, string UserAgent);

/// <summary>
/// Credential remediation of many accounts, one after another in the background, with each account's progress kept in
/// memory for the console's progress page (a restart forgets the page, never the remediation: each step is saved and
/// audited by <see cref="IRemediation"/> as it happens). The last few batches are kept.
/// </summary>
internal sealed class RemediationBatches(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<RemediationBatches> logger)
{
    public const int MostAccounts = 1000;
    private const int Kept = 50;

    private readonly ConcurrentDictionary<Guid, RemediationBatch> _batches = new();

    public RemediationBatch? Find(Guid id) => _batches.TryGetValue(id, out var batch) ? batch : null;

    public RemediationBatch Start(RemediationRunAs runAs, Guid analystId, IReadOnlyList<RemediationEntry> entries, Guid? id = null)
    {
        var batch = new RemediationBatch(id ?? Guid.CreateVersion7(), analystId, clock.GetUtcNow().UtcDateTime, entries);
        _batches[batch.Id] = batch;
        foreach (var old in _batches.Values.Where(b => b.FinishedAt is not null).OrderByDescending(b => b.StartedAt).Skip(Kept).ToList())
        {
            _batches.TryRemove(old.Id, out _);
        }
        // Not the request's: the batch outlives it, and must not carry the request's context along.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => RunAsync(batch, runAs, lifetime.ApplicationStopping));
        }
        return batch;
    }

    private async Task RunAsync(RemediationBatch batch, RemediationRunAs runAs, CancellationToken stopping)
    {
        foreach (var entry in batch.Entries.Where(e => e.Step == RemediationStep.Queued))
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }
            try
            {
                entry.Step = await StepAsync(entry.AccountId!.Value, runAs, stopping) switch
                {
                    RemediationOutcome.Remediated => RemediationStep.Done,
                    RemediationOutcome.AlreadyPending => RemediationStep.AlreadyPending,
                    RemediationOutcome.NotFound => RemediationStep.NotFound,
                    _ => RemediationStep.Failed,
                };
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                entry.Step = RemediationStep.Failed;
                logger.LogError("One account in remediation batch {Batch} could not be remediated ({Error}).", batch.Id, ex.GetType().Name);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        foreach (var left in batch.Entries.Where(e => e.Step == RemediationStep.Queued))
        {
            left.Step = RemediationStep.Failed;
        }
        batch.FinishedAt = clock.GetUtcNow().UtcDateTime;
    }

    /// <summary>
    /// One account, in a scope of its own that looks like a request from the analyst: the service records the step on the
    /// audit trail as whoever the request is from, and that must be the analyst who asked, from their address.
    /// </summary>
    private async Task<RemediationOutcome> StepAsync(Guid accountId, RemediationRunAs runAs, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var remediation = services.GetService<IRemediation>() ?? throw new InvalidOperationException("No remediation service is registered.");
        var accessor = services.GetRequiredService<IHttpContextAccessor>();
        var context = new DefaultHttpContext { RequestServices = services, User = runAs.User };
        context.Connection.RemoteIpAddress = runAs.Address;
        context.Request.Path = "/operator/security/remediation";
        context.Request.Headers.UserAgent = runAs.UserAgent;
        accessor.HttpContext = context;
        try
        {
            return await remediation.RemediateAsync(accountId, cancellationToken);
        }
        finally
        {
            accessor.HttpContext = null;
        }
    }
}
