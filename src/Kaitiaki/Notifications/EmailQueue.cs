using System.Threading.Channels;

namespace Kaitiaki.Notifications;

internal sealed record OutgoingEmail(string To, string Subject, string Body);

/// <summary>
/// E-mail sent after the request has answered, by a background loop, so that how long a request takes never depends on
/// whether it sent mail (the staff form's answer must not tell a match from a mismatch by its timing) and no database
/// lock is held while the mail server answers. Callers enqueue only after their transaction has committed. The queue
/// lives in memory: a message still queued when the portal stops is lost, and failures are logged without the message.
/// The durable outbox of the notifications issue replaces this.
/// </summary>
internal sealed class EmailQueue(EmailSender sender, ILogger<EmailQueue> logger) : BackgroundService
{
    private readonly Channel<OutgoingEmail> _queue = Channel.CreateUnbounded<OutgoingEmail>(new UnboundedChannelOptions { SingleReader = true });
    private int _unsent;

    public void Enqueue(IEnumerable<OutgoingEmail> messages)
    {
        foreach (var message in messages)
        {
            Interlocked.Increment(ref _unsent);
            if (!_queue.Writer.TryWrite(message))
            {
                Interlocked.Decrement(ref _unsent);
                logger.LogError("An e-mail was queued after the portal began stopping, and was not sent.");
            }
        }
    }

    /// <summary>Completes once everything queued so far has been sent or has failed (for tests and orderly shutdown).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        while (Volatile.Read(ref _unsent) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not cancelled by stopping: the loop ends when the queue is closed and empty, so queued mail still goes out
        // while the host shuts down (for as long as the host's shutdown time allows).
        await foreach (var message in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await sender.SendAsync(message.To, message.Subject, message.Body, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogError("A queued e-mail could not be sent ({Error}).", ex.GetType().Name);
            }
            finally
            {
                Interlocked.Decrement(ref _unsent);
            }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }
}
