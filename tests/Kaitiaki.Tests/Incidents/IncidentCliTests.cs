using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Cli;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// <c>kaitiaki incident create | scope | freeze | compare | export</c>, each run against a portal's
/// data, as an operator would: the same results as the API, named incident manager in the audit trail, clear errors.
/// </summary>
[Trait("Category", "Integration")]
[Collection(CommandLineCollection.Name)]
public sealed class IncidentCliTests
{
    /// <summary>
    /// Runs a verb in this process (a process each would cost seconds apiece) and returns its exit code and what it
    /// wrote. The tests of this class run one at a time, so only one of them redirects the console at once.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args)
    {
        var (output, error) = (Console.Out, Console.Error);
        // Never disposed: Spectre.Console keeps the writer it first met, and a progress thread of another test's verb
        // may write to it after this one has finished; a closed writer would crash the test host.
        var captured = new StringWriter();
        Console.SetOut(captured);
        Console.SetError(captured);
        try
        {
            var code = await KaitiakiCli.RunAsync(args);
            return (code, captured.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    [Fact]
    public async Task The_command_line_opens_scopes_freezes_compares_and_exports_an_incident()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" });
        var practice = await portal.CreatePracticeAsync("Command Line Practice");
        var read = await portal.CreatePatientAsync(practice);
        var listed = await portal.CreatePatientAsync(practice);
        Guid readDocument;
        using (var client = await portal.SignInApiAsync(read))
        {
            readDocument = await TestPortal.UploadedIdAsync(client, TestPortal.Pdf(3_000));
        }
        using (var client = await portal.SignInApiAsync(listed))
        {
            await TestPortal.UploadedIdAsync(client, TestPortal.Pdf(3_100));
        }
        var attacker = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var manager = await portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var from = portal.Clock.GetUtcNow().UtcDateTime;
        using (var stolen = await portal.SignInApiAsync(attacker))
        {
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents/{readDocument}/content")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents?patientId={listed.PatientId}")).StatusCode);
        }
        var to = portal.Clock.GetUtcNow().UtcDateTime.AddSeconds(1);
        string[] storage = [.. portal.StorageArgs];
        string[] asManager = ["--as", manager.Email];

        var (code, output) = await RunAsync(["incident", "create", "--title", "Command line incident", "--aware-at", Iso(to), .. asManager, .. storage]);
        Assert.True(code == 0, output);
        var incident = Guid.Parse(output.Trim().Split('\n')[^1].Trim());

        (code, output) = await RunAsync(["incident", "scope", "--incident", incident.ToString(), "--from", Iso(from), "--to", Iso(to),
            "--account", attacker.AccountId.ToString(), .. asManager, .. storage]);
        Assert.True(code == 0, output);
        Assert.Contains("Version 1: 2 patients, 2 documents (1 content, 1 metadata only), 1 practices", output);
        (code, output) = await RunAsync(["incident", "scope", "--incident", incident.ToString(), "--from", Iso(from), "--to", Iso(to),
            "--account", attacker.AccountId.ToString(), "--action", "download", .. asManager, .. storage]);
        Assert.True(code == 0, output);
        Assert.Contains("Version 2: 1 patients", output);

        (code, output) = await RunAsync(["incident", "freeze", "--incident", incident.ToString(), "--version", "1", .. asManager, .. storage]);
        Assert.True(code == 0, output);
        // Freezing twice is refused, and says so.
        (code, output) = await RunAsync(["incident", "freeze", "--incident", incident.ToString(), "--version", "1", .. asManager, .. storage]);
        Assert.Equal(2, code);
        Assert.Contains("frozen already", output);

        (code, output) = await RunAsync(["incident", "compare", "--incident", incident.ToString(), "--from-version", "1", "--to-version", "2",
            .. asManager, .. storage]);
        Assert.True(code == 0, output);
        Assert.Contains("patients added 0, removed 1", output);
        Assert.Contains($"patient removed\t{listed.PatientId}", output);

        var csv = Path.Combine(portal.DataDirectory, "version-1.csv");
        (code, output) = await RunAsync(["incident", "export", "--incident", incident.ToString(), "--version", "1", "--output", csv,
            .. asManager, .. storage]);
        Assert.True(code == 0, output);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.StartsWith("scope_version,patient_id,nhi", lines[0]);
        Assert.Equal(2, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("1,", l));
        Assert.Contains(lines, l => l.Contains(read.PatientId.ToString()!, StringComparison.Ordinal) && l.Contains(",content,", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(csv));
        }

        // Every change names the incident manager who made it.
        var actors = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.Action == AuditAction.IncidentOpened || e.Action == AuditAction.ScopeRun || e.Action == AuditAction.ScopeFrozen)
            .Select(e => new { e.ActorAccountId, e.Client }).ToListAsync());
        Assert.Equal(4, actors.Count);
        Assert.All(actors, a => Assert.Equal(manager.AccountId, a.ActorAccountId));
        Assert.All(actors, a => Assert.Equal("kaitiaki-cli", a.Client));
    }

    [Fact]
    public async Task The_command_line_refuses_someone_who_is_not_an_incident_manager_and_bad_windows()
    {
        await using var portal = await TestPortal.StartAsync();
        var analyst = await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);
        var manager = await portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        string[] storage = [.. portal.StorageArgs];

        var (code, output) = await RunAsync(["incident", "create", "--title", "x", "--aware-at", "2026-12-01T09:00", "--as", analyst.Email, .. storage]);
        Assert.Equal(2, code);
        Assert.Contains("must be the e-mail address of an incident manager", output);
        (code, output) = await RunAsync(["incident", "create", "--title", "x", "--aware-at", "yesterday", "--as", manager.Email, .. storage]);
        Assert.Equal(2, code);
        Assert.Contains("--aware-at is not a time", output);
        (code, output) = await RunAsync(["incident", "scope", "--incident", Guid.NewGuid().ToString(), "--from", "2026-12-01T10:00",
            "--to", "2026-12-01T09:00", "--as", manager.Email, .. storage]);
        Assert.Equal(2, code);
        Assert.Contains("empty or inverted", output);
        Assert.Equal(0, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Incidents.CountAsync()));
    }

    private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
}
