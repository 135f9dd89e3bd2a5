using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Cli;
using Kaitiaki.Demo;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Demo;

/// <summary>
/// <c>demo-data --patients N</c> and <c>Kaitiaki:DemoClinicians</c>: a demo world with panels big enough to measure
/// bulk access against, made of patients who are as real to the portal as any other.
/// </summary>
[Trait("Category", "Integration")]
[Collection(CommandLineCollection.Name)]
public sealed class DemoPopulationTests
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Demo_data_with_5000_patients_adds_them_enrolled_at_practices_on_the_portal_with_one_to_four_documents_each()
    {
        await using var portal = await TestPortal.StartAsync();
        string[] settings = ["--Kaitiaki:DemoPatients=10", .. portal.StorageArgs];

        Assert.Equal(0, await KaitiakiCli.RunAsync(["demo-data", "--patients", "5000", .. settings]));

        var world = await portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var withoutAccounts = Added(db);
            return new
            {
                Patients = await withoutAccounts.Select(p => new { p.Id, p.Nhi, p.DateOfBirth, p.GivenName, p.FamilyName }).ToListAsync(),
                AllNhis = await db.Patients.Select(p => p.Nhi).ToListAsync(),
                Current = await PatientAccess.CurrentEnrolmentsOf(db).Where(e => withoutAccounts.Any(p => p.Id == e.PatientId))
                    .Join(db.Practices, e => e.PracticeId, p => p.Id, (e, p) => new { e.PatientId, e.PracticeId, p.Status })
                    .ToListAsync(),
                Documents = await db.Documents.Where(d => withoutAccounts.Any(p => p.Id == d.PatientId))
                    .Select(d => new { d.Id, d.PatientId, d.PracticeId, d.UploadedByAccountId, d.WrappedKey, d.DateOfService }).ToListAsync(),
                Clinicians = await db.StaffMemberships.Where(m => m.Role == StaffRole.Clinician).Select(m => new { m.AccountId, m.PracticeId }).ToListAsync(),
                Uploads = await db.AuditEvents.Where(e => e.Action == AuditAction.DocumentUploaded).Select(e => e.ResourceId).ToListAsync(),
                Created = await db.AuditEvents.Where(e => e.Action == AuditAction.PatientCreated).Select(e => e.PatientId).ToListAsync(),
            };
        });

        Assert.Equal(5000, world.Patients.Count);
        // Ten adults with accounts and their ten children, as without --patients, then the 5,000.
        Assert.Equal(10 + 10 + 5000, world.AllNhis.Count);
        Assert.Equal(world.AllNhis.Count, world.AllNhis.Distinct().Count());
        Assert.All(world.Patients, p => Assert.True(Nhi.IsValid(p.Nhi) && Nhi.IsTestNumber(p.Nhi), $"{p.Nhi} is not a valid test NHI."));
        // Names and dates of birth vary as a real panel's do.
        Assert.True(world.Patients.Select(p => (p.GivenName, p.FamilyName)).Distinct().Count() > 1000);
        Assert.True(world.Patients.Select(p => p.DateOfBirth).Distinct().Count() > 3000);

        // Each enrolled once, at a practice still on the portal, and the patients are spread over all of those.
        Assert.Equal(world.Patients.Select(p => p.Id).Order(), world.Current.Select(e => e.PatientId).Order());
        Assert.All(world.Current, e => Assert.Equal(PracticeStatus.Active, e.Status));
        var active = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Practices
            .Where(p => p.Status == PracticeStatus.Active).Select(p => p.Id).ToListAsync());
        Assert.Equal(active.Order(), world.Current.Select(e => e.PracticeId).Distinct().Order());

        // One to four documents each, from a clinician of the patient's practice, each under a data key of its own, each audited.
        var practiceOf = world.Current.ToDictionary(e => e.PatientId, e => e.PracticeId);
        var perPatient = world.Documents.GroupBy(d => d.PatientId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(world.Patients, p => Assert.InRange(perPatient.GetValueOrDefault(p.Id), 1, 4));
        Assert.Equal(Enumerable.Range(1, 4), perPatient.Values.Distinct().Order());
        Assert.All(world.Documents, d =>
        {
            Assert.Equal(practiceOf[d.PatientId], d.PracticeId);
            Assert.Contains(world.Clinicians, c => c.AccountId == d.UploadedByAccountId && c.PracticeId == d.PracticeId);
        });
        Assert.Equal(world.Documents.Count, world.Documents.Select(d => Convert.ToBase64String(d.WrappedKey!)).Distinct().Count());
        Assert.Empty(world.Documents.Select(d => (Guid?)d.Id).Except(world.Uploads));
        Assert.Empty(world.Patients.Select(p => (Guid?)p.Id).Except(world.Created));

        var verified = await portal.WithScopeAsync(sp => sp.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None));
        Assert.True(verified.Intact, verified.Message);

        // A demo clinician reads one of them through the API like any other patient: the list, then a document's content.
        var accounts = JsonSerializer.Deserialize<List<DemoAccount>>(
            await File.ReadAllTextAsync(Path.Combine(portal.DataDirectory, "demo-accounts.json")), JsonOptions)!;
        var entry = accounts.First(a => a.Role == Roles.Clinician && a.Practice == "Harbourside Medical Centre");
        using var client = await portal.SignInApiAsync(new TestUser(Guid.Empty, entry.Email, entry.Password, entry.TotpSecret, null, entry.Role));
        var list = await client.GetAsync("/api/v1/patients?page=3");
        Assert.True(list.Headers.Contains("Link"));
        var someone = (await list.Content.ReadFromJsonAsync<List<JsonElement>>())![0].GetProperty("id").GetGuid();
        var document = world.Documents.First(d => d.PatientId == someone);
        var content = await client.GetAsync($"/api/v1/documents/{document.Id}/content");
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.StartsWith("%PDF-", await content.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // As today, the demo world goes only into an empty database.
        Assert.Equal(1, await KaitiakiCli.RunAsync(["demo-data", "--patients", "10", .. settings]));
        Assert.Equal(10 + 10 + 5000, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Patients.CountAsync()));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("200001")]
    [InlineData("many")]
    [InlineData("1e3")]
    public async Task Demo_data_refuses_a_patient_count_outside_0_to_200000_and_touches_nothing(string patients)
    {
        await using var portal = await TestPortal.StartAsync();

        Assert.Equal(2, await KaitiakiCli.RunAsync(["demo-data", "--patients", patients, .. portal.StorageArgs]));

        Assert.True(await DemoWorld.IsDatabaseEmptyAsync(portal.Services, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(portal.DataDirectory, "demo-accounts.json")));
    }

    [Fact]
    public async Task More_demo_clinicians_are_spread_over_the_practices_on_the_portal_and_listed_in_demo_accounts()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
        {
            ["Kaitiaki:DemoPatients"] = "10",
            ["Kaitiaki:DemoClinicians"] = "12",
        });

        await DemoWorld.SeedAsync(portal.Services, 20, null, CancellationToken.None);

        var accounts = JsonSerializer.Deserialize<List<DemoAccount>>(
            await File.ReadAllTextAsync(Path.Combine(portal.DataDirectory, "demo-accounts.json")), JsonOptions)!;
        var clinicians = accounts.Where(a => a.Role == Roles.Clinician).ToList();
        Assert.Equal(12, clinicians.Count);
        Assert.Equal(clinicians.Count, clinicians.Select(a => a.Email).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        // The named clinicians are still there, Tōtara Street's too, though it has left the portal.
        Assert.Contains(clinicians, a => a.Email == "anaru.pomare@kauricoast.example.nz");
        Assert.Contains(clinicians, a => a.Email == "ana.lealaiauloto@totarastreet.example.nz");
        var memberships = await portal.WithScopeAsync(sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return db.StaffMemberships.Where(m => m.Role == StaffRole.Clinician)
                .Join(db.Practices, m => m.PracticeId, p => p.Id, (m, p) => new { m.AccountId, p.Name, p.Status })
                .Join(db.Users, m => m.AccountId, a => a.Id, (m, a) => new { a.Email, m.Name, m.Status })
                .ToListAsync();
        });
        var added = memberships.Where(m => !IsNamed(m.Email!)).ToList();
        Assert.Equal(12 - KaitiakiOptions.NamedDemoClinicians, added.Count);
        Assert.All(added, m => Assert.Equal(PracticeStatus.Active, m.Status));
        Assert.Equal(["Harbourside Medical Centre", "Kauri Coast Family Health"], added.Select(m => m.Name).Distinct().Order());
        Assert.All(clinicians, a => Assert.Contains(memberships, m => m.Email == a.Email && m.Name == a.Practice));

        // The extra clinicians sign in like the named ones.
        var one = clinicians.First(a => !IsNamed(a.Email));
        using var client = await portal.SignInApiAsync(new TestUser(Guid.Empty, one.Email, one.Password, one.TotpSecret, null, one.Role));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/patients")).StatusCode);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(1001)]
    public void DemoClinicians_outside_its_range_stops_start_up_with_a_message_naming_it(int clinicians)
    {
        var problem = Assert.Throws<InvalidOperationException>(() => new KaitiakiOptions { DemoClinicians = clinicians }.Validate());
        Assert.StartsWith("Kaitiaki:DemoClinicians must be between 5 and 1000", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_NHIs_are_distinct_valid_test_numbers_for_the_largest_demo_world()
    {
        var nhis = new DemoNhis();
        // 100,000 adults and their 10 children, then 200,000 patients without accounts.
        var issued = Enumerable.Range(0, 100_010 + DemoPopulation.MaxPatients).Select(_ => nhis.Next()).ToList();

        Assert.Equal(issued.Count, issued.Distinct(StringComparer.Ordinal).Count());
        Assert.All(issued, n => Assert.True(Nhi.IsValid(n) && Nhi.IsTestNumber(n), n));
        Assert.Equal(Nhi.CompleteOldFormat("ZKT", 100), issued[0]);
    }

    /// <summary>The patients <c>--patients</c> added: no account of their own, and (unlike the demo world's children) no one acting for them.</summary>
    private static IQueryable<Patient> Added(KaitiakiDb db) =>
        db.Patients.Where(p => !db.Users.Any(a => a.PatientId == p.Id) && !db.ProxyGrants.Any(g => g.PatientId == p.Id));

    // The named staff have addresses like given.family@practice; the added clinicians' carry a number as well.
    private static bool IsNamed(string email) => email.Split('@')[0].Split('.').Length == 2;
}
