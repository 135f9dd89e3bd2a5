using System.Collections.Frozen;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Kaitiaki.Notifications;

/// <summary>A message's text once its template has been filled in: the same words whichever channel carries it.</summary>
internal sealed record RenderedMessage(string Template, string Subject, string Body);

/// <summary>
/// The text of every message the portal sends, from the files in <c>Notifications/Templates</c> (built into the
/// assembly). A file is a <c>subject:</c> line, a line of three dashes, then the body. <c>{Name}</c> is filled from the
/// values given; a template that asks for a value nobody gave, or is given one it never uses, is an error, so a
/// misspelt name can never send a message with a hole in it.
/// </summary>
internal sealed partial class NotificationTemplates
{
    private const string Prefix = "Kaitiaki.Notifications.Templates.";
    private readonly FrozenDictionary<string, (string Subject, string Body)> _templates;

    public NotificationTemplates()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var templates = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..^".txt".Length];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!, Encoding.UTF8);
            templates[name] = Parse(name, reader.ReadToEnd());
        }
        _templates = templates.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _templates.Keys;

    public RenderedMessage Render(string template, IReadOnlyDictionary<string, string> values)
    {
        if (!_templates.TryGetValue(template, out var text))
        {
            throw new InvalidOperationException($"There is no message template named \"{template}\".");
        }
        var used = new HashSet<string>(StringComparer.Ordinal);
        string Fill(string s) => Placeholder().Replace(s, m =>
        {
            var key = m.Groups[1].Value;
            if (!values.TryGetValue(key, out var value))
            {
                throw new InvalidOperationException($"The message template \"{template}\" needs a value for {{{key}}}.");
            }
            used.Add(key);
            return value;
        });
        var subject = Fill(text.Subject);
        var body = Fill(text.Body);
        if (values.Keys.FirstOrDefault(k => !used.Contains(k)) is { } unused)
        {
            throw new InvalidOperationException($"The message template \"{template}\" has no place for {{{unused}}}.");
        }
        return new RenderedMessage(template, subject, body);
    }

    private static (string Subject, string Body) Parse(string name, string file)
    {
        var text = file.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n---\n", StringComparison.Ordinal);
        if (!text.StartsWith("subject: ", StringComparison.Ordinal) || split < 0)
        {
            throw new InvalidOperationException($"The message template \"{name}\" must start with a \"subject: \" line and a \"---\" line.");
        }
        return (text["subject: ".Length..split].Trim(), text[(split + "\n---\n".Length)..].TrimEnd('\n'));
    }

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex Placeholder();
}
