using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kaitiaki.Tests.Support;

/// <summary>
/// A throwaway certificate for the Data Protection key ring, made once per test run: test portals run outside
/// Development, where the portal refuses to keep its key ring unencrypted.
/// </summary>
internal static class TestCertificates
{
    public const string Password = "test-only-not-a-secret";

    private static readonly Lazy<string> PfxPath = new(Create);

    /// <summary>The settings that point a portal (or a verb) at the test certificate.</summary>
    public static IReadOnlyList<string> DataProtectionArgs =>
    [
        $"--Kaitiaki:DataProtection:CertificatePath={PfxPath.Value}",
        $"--Kaitiaki:DataProtection:CertificatePassword={Password}",
    ];

    public static string NewPfx(string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Kaitiaki test data protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Path.GetTempPath(), $"kaitiaki-test-dp-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private static string Create()
    {
        var path = NewPfx(Password);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }
}
