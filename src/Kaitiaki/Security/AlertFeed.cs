using System.Threading.Channels;

namespace Kaitiaki.Security;

/// <summary>An alert or action as it happened, for the console's live view and for sending the alert on.</summary>
internal sealed record SecurityChange(SecurityAlert? Alert, IReadOnlyList<ContainmentAction> Actions);

/// <summary>
/// Tells whoever listens, in this process, that alerts or actions changed: the console waits on <see cref="WaitAsync"/>
/// for its live view, and the alert sender reads <see cref="Alerts"/>. Nothing here is the record: the database is.
/// </summary>
internal sealed class AlertFeed
{
    private readonly Channel<SecurityAlert> _alerts = Channel.CreateBounded<SecurityAlert>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    /// <summary>Moves on with every change, so a page can ask "anything newer than what I have?".</summary>
    public long Version => Interlocked.Read(ref _version);

    public ChannelReader<SecurityAlert> Alerts => _alerts.Reader;

    public void Publish(SecurityAlert? alert, IReadOnlyList<ContainmentAction> actions)
    {
        if (alert is not null)
        {
            _alerts.Writer.TryWrite(alert);
        }
        Interlocked.Increment(ref _version);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Completes when the version moves past <paramref name="seen"/>, or when <paramref name="timeout"/> passes.</summary>
    public async Task<long> WaitAsync(long seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var changed = Volatile.Read(ref _changed).Task;
        if (Version > seen)
        {
            return Version;
        }
        try
        {
            await changed.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        return Version;
    }
}
