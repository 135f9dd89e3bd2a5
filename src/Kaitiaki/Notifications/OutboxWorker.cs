using System.Security.Cryptography;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Notifications;

/// <summary>How the outbox worker tries and tries again (<c>Kaitiaki:Notifications</c>).</summary>
internal sealed class NotificationOptions
{
    /// <summary>The wait before the second try; each later wait doubles, up to an hour.</summary>
    public double FirstRetrySeconds { get; set; } = 30;

    /// <summary>Tries before a message is given up as failed.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How often the worker looks for due messages when nobody has told it of a new one.</summary>
    public double PollSeconds { get; set; } = 2;

    public int BatchSize { get; set; } = 100;

    /// <summary>How long a claim on a batch lasts: a worker that crashed mid-batch leaves it for another after this.</summary>
    public double ClaimSeconds { get; set; } = 120;
}

/// <summary>Wakes the outbox worker when a message is queued, and tells a waiter when the worker has found nothing left to send.</summary>
internal sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0);
    private long _passesStarted;
    private long _lastEmptyPass = -1;

    public void Dispose() => _wake.Dispose();

    public void Nudge()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    internal long PassStarting() => Interlocked.Increment(ref _passesStarted);

    internal void FoundNothing(long pass) => Interlocked.Exchange(ref _lastEmptyPass, pass);

    /// <summary>Completes once a pass that began after this call found nothing due (for tests and orderly shutdown).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        var after = Interlocked.Read(ref _passesStarted);
        Nudge();
        while (Interlocked.Read(ref _lastEmptyPass) <= after)
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}

/// <summary>
/// Delivers the outbox. A pass claims a batch of due messages (a claim is an update only one worker can win), sends them
/// over one connection per channel, and records each outcome as it happens, so a crash can resend at most the message
/// in flight. A failure that may pass (the mail server is down, a 4xx answer) waits and is tried again, each wait twice
/// the last; a refusal for good (a 5xx answer for the address) is recorded as failed with its reason and the others go on.
/// </summary>
internal sealed class OutboxWorker(
    IServiceScopeFactory scopes, EmailChannel email, SmsChannel sms, OutboxSignal signal, IDataProtectionProvider protection,
    KaitiakiOptions options, TimeProvider clock, ILogger<OutboxWorker> logger) : BackgroundService
{
    private readonly IDataProtector _bodies = protection.CreateProtector(Outbox.ProtectorPurpose);
    private NotificationOptions Settings => options.Notifications;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var pass = signal.PassStarting();
            bool sentSome;
            try
            {
                sentSome = await PassAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError("An outbox pass failed ({Error}); it will be tried again.", ex.GetType().Name);
                sentSome = false;
            }
            if (!sentSome)
            {
                signal.FoundNothing(pass);
                try
                {
                    await signal.WaitAsync(TimeSpan.FromSeconds(Settings.PollSeconds), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends one message now, in the caller's time (a sign-in code), if no worker holds it; it stays queued if this fails.</summary>
    public async Task DeliverNowAsync(Guid messageId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var (token, claimed) = await ClaimAsync(db, [messageId], cancellationToken);
        await DeliverAsync(db, token, claimed, cancellationToken);
    }

    /// <summary>One batch: true when there was something due.</summary>
    private async Task<bool> PassAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.State == DeliveryState.Queued && m.NextAttemptAt <= now && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id)
            .Select(m => m.Id).Take(Settings.BatchSize).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return false;
        }
        var (token, claimed) = await ClaimAsync(db, due, cancellationToken);
        await DeliverAsync(db, token, claimed, cancellationToken);
        return true;
    }

    private async Task<(Guid Token, List<OutboxMessage> Claimed)> ClaimAsync(KaitiakiDb db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(Settings.ClaimSeconds);
        using (await db.EnterWriteGateAsync(cancellationToken, evenWithoutChanges: true))
        {
            await db.OutboxMessages
                .Where(m => ids.Contains(m.Id) && m.State == DeliveryState.Queued && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimToken, token).SetProperty(m => m.ClaimedUntil, until), cancellationToken);
        }
        var claimed = await db.OutboxMessages.AsNoTracking().Where(m => m.ClaimToken == token)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        return (token, claimed);
    }

    private async Task DeliverAsync(KaitiakiDb db, Guid token, List<OutboxMessage> claimed, CancellationToken cancellationToken)
    {
        foreach (var channel in claimed.GroupBy(m => m.Channel))
        {
            var messages = channel.ToList();
            IDeliverySession session;
            try
            {
                session = channel.Key == NotificationChannel.Sms ? sms.Open() : await email.OpenAsync(cancellationToken);
            }
            catch (DeliveryFailedException down)
            {
                foreach (var message in messages)
                {
                    await RecordFailureAsync(db, token, message, down);
                }
                continue;
            }
            await using (session)
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    var message = messages[i];
                    try
                    {
                        await session.SendAsync(message, Body(message), cancellationToken);
                    }
                    catch (DeliveryFailedException failed)
                    {
                        await RecordFailureAsync(db, token, message, failed);
                        if (failed.ChannelDown)
                        {
                            // The connection is gone: the rest of the batch waits for the next try, its tries uncounted.
                            foreach (var rest in messages.Skip(i + 1))
                            {
                                await ReleaseAsync(db, token, rest);
                            }
                            break;
                        }
                        continue;
                    }
                    await RecordAsync(db, token, message, DeliveryState.Sent, message.Attempts + 1, null, message.NextAttemptAt);
                }
            }
        }
    }

    private string Body(OutboxMessage message)
    {
        try
        {
            return _bodies.Unprotect(message.ProtectedBody);
        }
        catch (CryptographicException ex)
        {
            throw new DeliveryFailedException("its text could not be read (the data protection key is missing)", permanent: true, inner: ex);
        }
    }

    private Task RecordFailureAsync(KaitiakiDb db, Guid token, OutboxMessage message, DeliveryFailedException failed)
    {
        var attempts = message.Attempts + 1;
        if (failed.Permanent || attempts >= Settings.MaxAttempts)
        {
            var reason = failed.Permanent ? failed.Message : $"gave up after {attempts} tries: {failed.Message}";
            logger.LogWarning("An outbox message failed for good ({Reason}).", reason);
            return RecordAsync(db, token, message, DeliveryState.Failed, attempts, reason, message.NextAttemptAt);
        }
        var wait = Math.Min(Settings.FirstRetrySeconds * Math.Pow(2, attempts - 1), 3600);
        logger.LogInformation("An outbox message will be tried again ({Reason}).", failed.Message);
        return RecordAsync(db, token, message, DeliveryState.Queued, attempts, failed.Message,
            clock.GetUtcNow().UtcDateTime.AddSeconds(wait));
    }

    private Task ReleaseAsync(KaitiakiDb db, Guid token, OutboxMessage message) =>
        RecordAsync(db, token, message, DeliveryState.Queued, message.Attempts, message.FailureReason, message.NextAttemptAt);

    private async Task RecordAsync(
        KaitiakiDb db, Guid token, OutboxMessage message, DeliveryState state, int attempts, string? reason, DateTime next)
    {
        DateTime? sentAt = state == DeliveryState.Sent ? clock.GetUtcNow().UtcDateTime : null;
        // Not cancelled with the host: what was sent must be recorded as sent, or a restart would send it again.
        using (await db.EnterWriteGateAsync(CancellationToken.None, evenWithoutChanges: true))
        {
            await db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimToken == token)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.State, state)
                    .SetProperty(m => m.Attempts, attempts)
                    .SetProperty(m => m.FailureReason, reason)
                    .SetProperty(m => m.NextAttemptAt, next)
                    .SetProperty(m => m.SentAt, sentAt)
                    .SetProperty(m => m.ClaimToken, (Guid?)null)
                    .SetProperty(m => m.ClaimedUntil, (DateTime?)null), CancellationToken.None);
        }
    }
}
