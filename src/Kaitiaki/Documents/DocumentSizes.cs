using Humanizer;

namespace Kaitiaki.Documents;

internal static class DocumentSizes
{
    /// <summary>A file size as people read it: "905 bytes", "1.4 KB", "12 KB", "2.3 MB".</summary>
    public static string Describe(long bytes) =>
        bytes < 1024 ? (bytes == 1 ? "1 byte" : $"{bytes} bytes") : bytes.Bytes().Humanize("0.#", System.Globalization.CultureInfo.GetCultureInfo("en-NZ"));
}
