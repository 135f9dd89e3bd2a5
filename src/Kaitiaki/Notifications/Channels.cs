using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Kaitiaki.Notifications;

/// <summary>A try that did not deliver. <see cref="Permanent"/> when trying again cannot help (the address was refused).</summary>
internal sealed class DeliveryFailedException(string reason, bool permanent, bool channelDown = false, Exception? inner = null)
    : Exception(reason, inner)
{
    public bool Permanent { get; } = permanent;

    /// <summary>The channel itself failed (the mail server is down), so the rest of a batch waits too.</summary>
    public bool ChannelDown { get; } = channelDown;
}

/// <summary>A channel open for a batch of messages: one SMTP connection for many e-mails.</summary>
internal interface IDeliverySession : IAsyncDisposable
{
    Task SendAsync(OutboxMessage message, string body, CancellationToken cancellationToken);
}

/// <summary>
/// E-mail over SMTP (MailKit) when <c>Kaitiaki:Smtp:Host</c> is set, otherwise <c>.eml</c> files in the outbox folder.
/// Each message's Message-ID is its outbox id, so a copy resent after a crash is recognisably the same message.
/// </summary>
internal sealed class EmailChannel(KaitiakiOptions options)
{
    public async Task<IDeliverySession> OpenAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Smtp.Host))
        {
            return new FileSession(options);
        }
        var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            await client.ConnectAsync(options.Smtp.Host, options.Smtp.Port, MailKit.Security.SecureSocketOptions.Auto, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            client.Dispose();
            throw new DeliveryFailedException("the mail server could not be reached", permanent: false, channelDown: true, ex);
        }
        return new SmtpSession(client, options);
    }

    private static MimeMessage Compose(OutboxMessage message, string body, KaitiakiOptions options)
    {
        var from = MailboxAddress.Parse(options.Smtp.From);
        var mime = new MimeMessage { Subject = message.Subject, Body = new TextPart("plain") { Text = body } };
        mime.From.Add(from);
        mime.To.Add(MailboxAddress.Parse(message.Recipient));
        mime.MessageId = $"{message.Id:N}@{from.Domain}";
        return mime;
    }

    private sealed class FileSession(KaitiakiOptions options) : IDeliverySession
    {
        public async Task SendAsync(OutboxMessage message, string body, CancellationToken cancellationToken)
        {
            // Messages hold activation and sign-in codes: owner-only, like every file the portal makes.
            Storage.OwnerOnly.CreateDirectory(options.OutboxPath);
            var path = Path.Combine(options.OutboxPath, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{message.Id:N}.eml");
            await using var file = new FileStream(path, Storage.OwnerOnly.NewFile(FileMode.CreateNew, FileOptions.Asynchronous));
            await Compose(message, body, options).WriteToAsync(file, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SmtpSession(SmtpClient client, KaitiakiOptions options) : IDeliverySession
    {
        public async Task SendAsync(OutboxMessage message, string body, CancellationToken cancellationToken)
        {
            try
            {
                await client.SendAsync(Compose(message, body, options), cancellationToken);
            }
            catch (SmtpCommandException ex) when (ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted)
            {
                throw new DeliveryFailedException($"the mail server refused the address ({(int)ex.StatusCode})", permanent: (int)ex.StatusCode >= 500);
            }
            catch (SmtpCommandException ex)
            {
                throw new DeliveryFailedException($"the mail server did not take the message ({(int)ex.StatusCode})", permanent: (int)ex.StatusCode >= 500);
            }
            catch (Exception ex) when (ex is SmtpProtocolException or IOException or ServiceNotConnectedException or System.Net.Sockets.SocketException)
            {
                throw new DeliveryFailedException("the connection to the mail server was lost", permanent: false, channelDown: true, ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(true, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is SmtpProtocolException or IOException or System.Net.Sockets.SocketException)
            {
                // Everything sent was already accepted; a failed goodbye changes nothing.
            }
            client.Dispose();
        }
    }
}

/// <summary>Sends a text message. The file provider is the default; a real provider's client is a second implementation.</summary>
internal interface ISmsProvider
{
    Task SendAsync(string number, string text, Guid messageId, CancellationToken cancellationToken);
}

/// <summary>Writes each text message as a file in <c>outbox/sms</c>, owner-only: what a provider would have been asked to send.</summary>
internal sealed class FileSmsProvider(KaitiakiOptions options) : ISmsProvider
{
    public async Task SendAsync(string number, string text, Guid messageId, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(options.OutboxPath, "sms");
        Storage.OwnerOnly.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{messageId:N}.txt");
        await using var file = new FileStream(path, Storage.OwnerOnly.NewFile(FileMode.CreateNew, FileOptions.Asynchronous));
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync($"To: {number}\n\n{text}\n".AsMemory(), cancellationToken);
    }
}

/// <summary>Text messages through the configured <see cref="ISmsProvider"/>.</summary>
internal sealed class SmsChannel(ISmsProvider provider)
{
    public IDeliverySession Open() => new Session(provider);

    private sealed class Session(ISmsProvider provider) : IDeliverySession
    {
        public Task SendAsync(OutboxMessage message, string body, CancellationToken cancellationToken) =>
            provider.SendAsync(message.Recipient, body, message.Id, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
