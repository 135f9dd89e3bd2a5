using System.Text.RegularExpressions;
using MimeKit;

namespace Kaitiaki.Tests.Support;

/// <summary>Reads the e-mails the portal wrote to its outbox folder.</summary>
public static partial class Outbox
{
    public static async Task<string> LatestBodyToAsync(string dataDirectory, string address)
    {
        var folder = Path.Combine(dataDirectory, "outbox");
        foreach (var file in Directory.GetFiles(folder, "*.eml").OrderByDescending(f => f, StringComparer.Ordinal))
        {
            var message = await MimeMessage.LoadAsync(file);
            if (message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)))
            {
                return message.TextBody ?? "";
            }
        }
        throw new InvalidOperationException("No e-mail to that address in the outbox.");
    }

    /// <summary>Every e-mail body sent to the address, oldest first.</summary>
    public static async Task<List<string>> BodiesToAsync(string dataDirectory, string address)
    {
        var folder = Path.Combine(dataDirectory, "outbox");
        var bodies = new List<string>();
        if (!Directory.Exists(folder))
        {
            return bodies;
        }
        foreach (var file in Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal))
        {
            var message = await MimeMessage.LoadAsync(file);
            if (message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase)))
            {
                bodies.Add(message.TextBody ?? "");
            }
        }
        return bodies;
    }

    public static async Task<string> ActivationCodeAsync(string dataDirectory, string address) =>
        ActivationCode().Match(await LatestBodyToAsync(dataDirectory, address)).Value;

    [GeneratedRegex("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")]
    private static partial Regex ActivationCode();
}
