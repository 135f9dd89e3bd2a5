using MailKit.Net.Smtp;
using MimeKit;

namespace Kaitiaki.Notifications;

/// <summary>
/// Sends e-mail through SMTP when <c>Kaitiaki:Smtp:Host</c> is set, otherwise writes each message
/// as an <c>.eml</c> file to the outbox folder. Message bodies are never logged.
/// </summary>
internal sealed class EmailSender(KaitiakiOptions options, ILogger<EmailSender> logger)
{
    public async Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.Smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };

        if (string.IsNullOrWhiteSpace(options.Smtp.Host))
        {
            // Messages hold activation and sign-in codes: owner-only, like every file the portal makes.
            Storage.OwnerOnly.CreateDirectory(options.OutboxPath);
            var path = Path.Combine(options.OutboxPath, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}.eml");
            await using (var file = new FileStream(path, Storage.OwnerOnly.NewFile(FileMode.CreateNew, FileOptions.Asynchronous)))
            {
                await message.WriteToAsync(file, cancellationToken);
            }
            logger.LogInformation("E-mail written to the outbox folder.");
            return;
        }

        using var client = new SmtpClient();
        await client.ConnectAsync(options.Smtp.Host, options.Smtp.Port, MailKit.Security.SecureSocketOptions.Auto, cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
        logger.LogInformation("E-mail handed to the SMTP relay.");
    }
}
