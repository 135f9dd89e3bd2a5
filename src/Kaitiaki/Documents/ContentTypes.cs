using System.Text;

namespace Kaitiaki.Documents;

/// <summary>The types a document may be, and the leading bytes each must start with.</summary>
internal static class ContentTypes
{
    public const string Pdf = "application/pdf";
    public const string Jpeg = "image/jpeg";
    public const string Png = "image/png";
    public const string Text = "text/plain";

    public static readonly IReadOnlyList<string> Allowed = [Pdf, Jpeg, Png, Text];

    public const int SniffLength = 512;

    public static string? Normalise(string? declared)
    {
        var type = (declared ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return type == "image/jpg" ? Jpeg : Allowed.Contains(type) ? type : null;
    }

    /// <summary>Inline preview is allowed only where the browser renders the type itself, in a sandbox.</summary>
    public static bool CanPreview(string contentType) => contentType is Pdf or Jpeg or Png;

    public static string Extension(string contentType) => contentType switch
    {
        Pdf => ".pdf",
        Jpeg => ".jpg",
        Png => ".png",
        _ => ".txt",
    };

    /// <summary>Do the first bytes match the declared type? Plain text must hold no control bytes other than whitespace.</summary>
    public static bool LeadingBytesMatch(string contentType, ReadOnlySpan<byte> head) => contentType switch
    {
        Pdf => head.StartsWith("%PDF-"u8),
        Jpeg => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        Png => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        Text => IsText(head),
        _ => false,
    };

    private static bool IsText(ReadOnlySpan<byte> head)
    {
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                return false;
            }
        }
        // Allow a multi-byte character cut off at the end of the sniffed bytes.
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (var trim = 0; trim < 4 && trim <= head.Length; trim++)
        {
            try
            {
                decoder.GetCharCount(head[..^trim]);
                return true;
            }
            catch (DecoderFallbackException)
            {
            }
        }
        return false;
    }

    /// <summary>
    /// A file name safe to show and to offer in Content-Disposition. It is never used as a path. The name comes from the
    /// person's device and they did not type it here, so hidden characters are stripped (<see cref="Web.PlainText.Strip"/>,
    /// which also puts it in normal form C) rather than the upload refused; then only letters, digits and a few marks stay.
    /// </summary>
    public static string CleanFileName(string? name, string contentType)
    {
        var bare = (name ?? "").Replace('\\', '/');
        bare = bare[(bare.LastIndexOf('/') + 1)..];
        var kept = new StringBuilder();
        foreach (var c in Web.PlainText.Strip(bare))
        {
            if (char.IsLetterOrDigit(c) || c is ' ' or '.' or '-' or '_' or '(' or ')')
            {
                kept.Append(c);
            }
        }
        var clean = kept.ToString().Trim().TrimStart('.');
        if (clean.Length > 100)
        {
            clean = clean[..100];
        }
        var extension = Extension(contentType);
        if (clean.Length == 0)
        {
            return "document" + extension;
        }
        return clean.EndsWith(extension, StringComparison.OrdinalIgnoreCase) || (contentType == Jpeg && clean.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            ? clean
            : clean + extension;
    }
}
