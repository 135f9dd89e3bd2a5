using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kaitiaki.Tests.Storage;

[Trait("Category", "Integration")]
public sealed class DataProtectionKeysTests
{
    [Fact]
    public async Task A_production_portal_keeps_no_plain_master_key_on_disk_and_reads_its_keys_back_after_a_restart()
    {
        var portal = await TestPortal.StartAsync();
        try
        {
            var sealedText = portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("kia ora");

            var files = Directory.GetFiles(Path.Combine(portal.DataDirectory, "keys", "data-protection"), "*.xml");
            Assert.NotEmpty(files);
            foreach (var xml in files.Select(File.ReadAllText))
            {
                Assert.Contains("<EncryptedData", xml);
                Assert.DoesNotContain("<value>", xml);
                Assert.DoesNotContain("unencrypted", xml);
            }

            portal = await portal.RestartAsync();
            Assert.Equal("kia ora", portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(sealedText));
        }
        finally
        {
            await portal.DisposeAsync();
        }
    }

    [Fact]
    public async Task Outside_development_the_portal_refuses_to_start_without_a_certificate_and_names_the_setting()
    {
        await using var portal = await TestPortal.StartAsync();
        var builder = KaitiakiHost.CreateBuilder([.. portal.StorageArgs, "--Kaitiaki:DataProtection:CertificatePath="]);
        builder.WebHost.UseTestServer();
        await using var second = KaitiakiHost.Build(builder);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());

        Assert.StartsWith("Kaitiaki cannot start: Kaitiaki:DataProtection:CertificatePath is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_certificate_password_names_the_settings_and_never_repeats_the_password()
    {
        var path = TestCertificates.NewPfx("the right one");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => KaitiakiHost.CreateBuilder(
                [$"--Kaitiaki:DataProtection:CertificatePath={path}", "--Kaitiaki:DataProtection:CertificatePassword=a wrong guess"]));

            Assert.Contains("Kaitiaki:DataProtection:CertificatePath", error.Message);
            Assert.Contains("Kaitiaki:DataProtection:CertificatePassword", error.Message);
            Assert.DoesNotContain("a wrong guess", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Development_starts_with_plain_keys_and_says_so_in_one_calm_line()
    {
        var logs = new CapturingLoggerProvider();
        await using var portal = await TestPortal.StartAsync(
            settings: new Dictionary<string, string> { ["environment"] = "Development", ["Kaitiaki:DataProtection:CertificatePath"] = "" },
            configure: b => b.Logging.AddProvider(logs));

        portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("kia ora");

        var dataProtectionLines = logs.Lines.Where(l => l.Contains("DataProtection", StringComparison.Ordinal)).ToList();
        Assert.Single(dataProtectionLines, l => l.StartsWith("Information Kaitiaki.Storage.DataProtectionKeys: Development: Data Protection keys", StringComparison.Ordinal));
        Assert.DoesNotContain(dataProtectionLines, l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
    }
}
