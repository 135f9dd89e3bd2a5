using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>On Unix every file the portal makes is 0600 and every folder 0700: the database, keys, checkpoints, documents and the outbox.</summary>
[Trait("Category", "Integration")]
public sealed class FileModeTests
{
    [Fact]
    public async Task Data_files_and_folders_the_portal_makes_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        await using var portal = await TestPortal.StartAsync();
        var (patient, _, _) = await portal.PatientWithDocumentsAsync(1);
        var practice = await portal.CreatePracticeAsync();
        await portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(TestPortal.NewTestNhi(), "Ana", "Test", new DateOnly(1990, 1, 1), $"mode-{Guid.NewGuid():N}@example.nz", null, ContactMethod.Email),
            invite: true, staffAccountId: null, CancellationToken.None));
        await portal.WithScopeAsync(sp => sp.GetRequiredService<Kaitiaki.Audit.AuditCheckpoints>().WriteHeadAsync(sp.GetRequiredService<Kaitiaki.Storage.KaitiakiDb>(), CancellationToken.None));
        await portal.SignInWebAsync(patient); // the Data Protection key ring
        await portal.MailSentAsync();

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(portal.DataDirectory, "outbox"), "*.eml"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(portal.DataDirectory, "audit-checkpoints")));
        // On PostgreSQL the database is the server's, not a file of the portal's.
        Assert.True(TestPortal.OnPostgres || File.Exists(Path.Combine(portal.DataDirectory, "kaitiaki.db")));
        var folders = Directory.GetDirectories(portal.DataDirectory, "*", SearchOption.AllDirectories);
        var files = Directory.GetFiles(portal.DataDirectory, "*", SearchOption.AllDirectories)
            // Data Protection writes its own key files; they sit in an owner-only folder.
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}data-protection{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.All(folders, f => Assert.True(ModeOf(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute),
            $"{Path.GetRelativePath(portal.DataDirectory, f)} is {ModeOf(f)}"));
        Assert.All(files, f => Assert.True(ModeOf(f) == (UnixFileMode.UserRead | UnixFileMode.UserWrite),
            $"{Path.GetRelativePath(portal.DataDirectory, f)} is {ModeOf(f)}"));
    }

    private static UnixFileMode ModeOf(string path) => OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);
}
