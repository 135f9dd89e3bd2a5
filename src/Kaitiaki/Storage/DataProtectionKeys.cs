using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Kaitiaki.Storage;

/// <summary>Where the Data Protection key ring is protected at rest: the <c>Kaitiaki:DataProtection</c> section.</summary>
internal sealed class DataProtectionKeyOptions
{
    public const string CertificatePathSetting = "Kaitiaki:DataProtection:CertificatePath";
    public const string CertificatePasswordSetting = "Kaitiaki:DataProtection:CertificatePassword";

    /// <summary>A PKCS#12 (.pfx) file holding an RSA certificate and its private key.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 file's password; best given as the environment variable Kaitiaki__DataProtection__CertificatePassword.</summary>
    public string? CertificatePassword { get; set; }

    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath);

    /// <summary>Opens the certificate, or says which setting is wrong. Never repeats the password.</summary>
    public X509Certificate2 LoadCertificate()
    {
        var path = Path.GetFullPath(CertificatePath!);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{CertificatePathSetting} names a file that does not exist ({path}).");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, CertificatePassword);
        }
        catch (CryptographicException)
        {
            throw new InvalidOperationException(
                $"{CertificatePathSetting} ({path}) could not be opened: it is not a PKCS#12 (.pfx) file, or {CertificatePasswordSetting} is not its password.");
        }
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"{CertificatePathSetting} ({path}) must hold an RSA certificate with its private key.");
        }
        return certificate;
    }
}

/// <summary>
/// The ASP.NET Core Data Protection key ring, which protects the session, activation and passkey cookies and
/// antiforgery tokens. Outside Development it is encrypted at rest with the configured certificate, so a copy of the
/// keys folder (a backup, a stray archive) does not let anyone mint cookies; without a certificate the portal does not
/// start. Development keeps plain XML, as ASP.NET Core does by default, and says so in one line.
/// </summary>
internal static class DataProtectionKeys
{
    // The category of ASP.NET Core's "may be persisted to storage in unencrypted form" warning.
    private const string KeyManagerCategory = "Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager";

    public static WebApplicationBuilder AddDataProtectionKeys(this WebApplicationBuilder builder, KaitiakiOptions options)
    {
        var folder = Path.Combine(options.KeysPath, "data-protection");
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName("Kaitiaki")
            .PersistKeysToFileSystem(new DirectoryInfo(folder));
        if (options.DataProtection.HasCertificate)
        {
            var certificate = options.DataProtection.LoadCertificate();
            // Also registers the certificate for decryption, so no certificate store is needed to read the ring back.
            dataProtection.ProtectKeysWithCertificate(certificate);
            builder.Services.AddHostedService(sp => new Announcement(sp.GetRequiredService<ILoggerFactory>(),
                LogLevel.Information, $"Data Protection keys in {folder} are encrypted at rest with the certificate {certificate.Thumbprint}."));
        }
        else if (builder.Environment.IsDevelopment())
        {
            // Plain keys are what Development expects; one calm line below says so instead of a warning per key.
            builder.Logging.AddFilter(KeyManagerCategory, LogLevel.Error);
            builder.Services.AddHostedService(sp => new Announcement(sp.GetRequiredService<ILoggerFactory>(),
                LogLevel.Information, $"Development: Data Protection keys in {folder} are kept unencrypted; outside Development set {DataProtectionKeyOptions.CertificatePathSetting}."));
        }
        else
        {
            // First of the hosted services, so nothing is served, and no key written, before the refusal.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, Refusal>());
        }
        return builder;
    }

    private sealed class Announcement(ILoggerFactory loggers, LogLevel level, string message) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
#pragma warning disable CA2254 // the message is fixed at start-up and holds no personal data
            loggers.CreateLogger(typeof(DataProtectionKeys).FullName!).Log(level, message);
#pragma warning restore CA2254
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Refusal : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException(
            $"Kaitiaki cannot start: {DataProtectionKeyOptions.CertificatePathSetting} is not set, so the Data Protection keys that protect " +
            "sign-in cookies would be stored unencrypted. Set it to a PKCS#12 (.pfx) file with an RSA certificate and its private key, " +
            $"and {DataProtectionKeyOptions.CertificatePasswordSetting} to its password (docs/operations.md, section 4.5).");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
