using System.Text.RegularExpressions;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Kaitiaki.Notifications;

/// <summary>
/// The one way a feature sends a message. <see cref="QueueAsync"/> adds it to the caller's unit of work, so it is
/// written in the same transaction as the decision to send it and never sent for a decision that was rolled back; the
/// <see cref="OutboxWorker"/> delivers it once that commits. Purpose, channel and recipient together name a message
/// once: asking again returns nothing and queues nothing.
/// </summary>
internal sealed partial class Outbox(KaitiakiDb db, NotificationTemplates templates, OutboxSignal signal, OutboxWorker worker,
    IDataProtectionProvider protection, TimeProvider clock)
{
    internal const string ProtectorPurpose = "Kaitiaki.Outbox";
    private readonly IDataProtector _bodies = protection.CreateProtector(ProtectorPurpose);
    private bool _watching;

    /// <summary>
    /// Adds a message rendered from <paramref name="template"/> to the unit of work; the caller's save writes it. Null
    /// when a message for the same purpose, channel and recipient was queued before (it is not queued again).
    /// </summary>
    public async Task<OutboxMessage?> QueueAsync(
        string purpose, NotificationChannel channel, string recipient, string template, IReadOnlyDictionary<string, string> values,
        Guid? senderAccountId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(purpose) || purpose.Length > 200)
        {
            throw new ArgumentException("A message's purpose must be given, in at most 200 characters.", nameof(purpose));
        }
        var to = Normalised(channel, recipient);
        if (db.OutboxMessages.Local.Any(m => m.Purpose == purpose && m.Channel == channel && m.Recipient == to)
            || await db.OutboxMessages.AnyAsync(m => m.Purpose == purpose && m.Channel == channel && m.Recipient == to, cancellationToken))
        {
            return null;
        }
        var text = templates.Render(template, values);
        var now = clock.GetUtcNow().UtcDateTime;
        var message = new OutboxMessage
        {
            Purpose = purpose,
            Channel = channel,
            Recipient = to,
            Template = text.Template,
            Subject = text.Subject,
            ProtectedBody = _bodies.Protect(text.Body),
            SenderAccountId = senderAccountId,
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.OutboxMessages.Add(message);
        WakeTheWorkerAfterSaving();
        return message;
    }

    /// <summary>An e-mail: the common case.</summary>
    public Task<OutboxMessage?> EmailAsync(string purpose, string address, string template, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken) =>
        QueueAsync(purpose, NotificationChannel.Email, address, template, values, null, cancellationToken);

    /// <summary>
    /// Sends a message the caller has saved now, in the request's own time (a sign-in code the person is waiting for).
    /// If it cannot be sent now it stays queued, and the worker tries again. Inside a caller's transaction it is left to
    /// the worker, which sends it once the transaction commits.
    /// </summary>
    public Task SendNowAsync(OutboxMessage? message, CancellationToken cancellationToken) =>
        message is null || db.Database.CurrentTransaction is not null ? Task.CompletedTask : worker.DeliverNowAsync(message.Id, cancellationToken);

    private void WakeTheWorkerAfterSaving()
    {
        if (!_watching)
        {
            _watching = true;
            // A save inside a caller's transaction wakes the worker before the commit; it then finds the message on its next look.
            db.SavedChanges += (_, _) => signal.Nudge();
        }
    }

    private static string Normalised(NotificationChannel channel, string recipient)
    {
        var value = (recipient ?? "").Trim();
        switch (channel)
        {
            case NotificationChannel.Email:
                if (value.Length > 320 || !MailboxAddress.TryParse(value, out var mailbox) || mailbox.Address != value || !value.Contains('@'))
                {
                    throw new ArgumentException("An e-mail must go to one plain address, such as name@example.nz.", nameof(recipient));
                }
                return value;
            case NotificationChannel.Sms:
                var number = Spacing().Replace(value, "");
                if (!MobileNumber().IsMatch(number))
                {
                    throw new ArgumentException("A text message must go to a mobile number in international form, such as +64211234567.", nameof(recipient));
                }
                return number;
            default:
                throw new ArgumentOutOfRangeException(nameof(channel), channel, "There is no such channel.");
        }
    }

    [GeneratedRegex(@"[\s\-()]")]
    private static partial Regex Spacing();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex MobileNumber();
}

internal static class NotificationsSetup
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddSingleton<NotificationTemplates>();
        services.AddSingleton<EmailChannel>();
        services.AddSingleton<ISmsProvider, FileSmsProvider>();
        services.AddSingleton<SmsChannel>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxWorker>());
        services.AddScoped<Outbox>();
        return services;
    }
}
