using QRCoder;

namespace Kaitiaki.Accounts;

/// <summary>
/// The QR code an authenticator app scans to add Kaitiaki, drawn on the server as SVG markup for the page itself.
/// </summary>
/// <remarks>
/// Inline SVG needs no image request and no <c>data:</c> source, so it keeps working under a stricter img-src. QRCoder's
/// SVG uses presentation attributes only (no inline style), which the Content-Security-Policy allows. The markup holds
/// only the drawn modules, never the URI or the secret as text.
/// </remarks>
internal static class AuthenticatorQrCode
{
    public const string AccessibleName = "QR code for your authenticator app";

    // About 200 CSS pixels: big enough for any phone camera, small enough to leave the typed key in view.
    private const int SizePixels = 200;

    public static string Svg(string otpauthUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(otpauthUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(1, "#000000", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        const string open = "<svg ";
        var at = svg.IndexOf(open, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("The QR code library returned no SVG element.");
        }
        return string.Concat(svg.AsSpan(0, at),
            $"<svg role=\"img\" aria-label=\"{AccessibleName}\" width=\"{SizePixels}\" height=\"{SizePixels}\" ", svg.AsSpan(at + open.Length));
    }
}
