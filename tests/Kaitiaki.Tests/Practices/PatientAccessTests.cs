using Kaitiaki.Accounts;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Practices;

/// <summary>The one patient-access rule against its table in docs/architecture.md section 3.3, one account per capacity and a few who have none.</summary>
[Trait("Category", "Integration")]
public sealed class PatientAccessTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Each_capacity_in_the_table_is_exactly_what_the_rule_gives_and_reads_and_uploads_as_documented()
    {
        var table = ReadTable();
        Assert.Equal(Enum.GetNames<AccessCapacity>().Order(), table.Keys.Order());

        var home = await _portal.CreatePracticeAsync("Home");
        var patient = await _portal.CreatePatientAsync(home);
        var patientId = patient.PatientId!.Value;
        var holders = new Dictionary<AccessCapacity, TestUser>
        {
            [AccessCapacity.Self] = patient,
            [AccessCapacity.Proxy] = await ProxyAsync(home, patientId, _portal.Clock.GetUtcNow().UtcDateTime.AddDays(30)),
            [AccessCapacity.Clinician] = await _portal.CreateStaffAsync(home, StaffRole.Clinician),
            [AccessCapacity.PracticeStaff] = await _portal.CreateStaffAsync(home, StaffRole.PracticeAdministrator),
            [AccessCapacity.Operator] = await _portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst),
        };

        foreach (var (capacity, holder) in holders)
        {
            var row = table[capacity.ToString()];
            var (capacities, reads, upload) = await AskAsync(holder.AccountId, patientId);
            var expected = capacity == AccessCapacity.Operator ? [] : new[] { capacity };
            Assert.True(expected.SequenceEqual(capacities), $"{capacity}: the rule gives [{string.Join(", ", capacities)}].");
            Assert.True(reads == (row.Reads == "yes"), $"{capacity}: reads is {reads}, the table says {row.Reads}.");
            var expectedUpload = row.Uploads switch
            {
                "as the patient" => UploadRight.AsPatient,
                "for that practice" => UploadRight.AsClinician,
                _ => UploadRight.None,
            };
            Assert.True(expectedUpload == upload, $"{capacity}: upload is {upload}, the table says {row.Uploads}.");
        }
    }

    [Fact]
    public async Task Lapsed_and_revoked_proxies_clinicians_elsewhere_and_a_left_practice_have_no_capacity()
    {
        var home = await _portal.CreatePracticeAsync("Home");
        var elsewhere = await _portal.CreatePracticeAsync("Elsewhere");
        var patient = await _portal.CreatePatientAsync(home);
        var patientId = patient.PatientId!.Value;
        var lapsed = await ProxyAsync(home, patientId, _portal.Clock.GetUtcNow().UtcDateTime.AddHours(1));
        var revoked = await ProxyAsync(home, patientId, null);
        var clinicianElsewhere = await _portal.CreateStaffAsync(elsewhere, StaffRole.Clinician);
        var formerClinician = await _portal.CreateStaffAsync(home, StaffRole.Clinician);
        var otherPatient = await _portal.CreatePatientAsync(home);
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            (await db.ProxyGrants.SingleAsync(g => g.ProxyAccountId == revoked.AccountId)).RevokedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            (await db.StaffMemberships.SingleAsync(m => m.AccountId == formerClinician.AccountId)).EndedAt = _portal.Clock.GetUtcNow().UtcDateTime;
            return await db.SaveChangesAsync();
        });
        _portal.Clock.Advance(TimeSpan.FromHours(2));

        foreach (var nobody in new[] { lapsed, revoked, clinicianElsewhere, formerClinician, otherPatient })
        {
            var (capacities, reads, upload) = await AskAsync(nobody.AccountId, patientId);
            Assert.Empty(capacities);
            Assert.False(reads);
            Assert.Equal(UploadRight.None, upload);
        }
    }

    private async Task<TestUser> ProxyAsync(Practice practice, Guid patientId, DateTime? expiresAt)
    {
        var proxy = await _portal.CreatePatientAsync(practice);
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>()
            .GrantProxyAsync(proxy.AccountId, patientId, ProxyReason.NamedByPatient, expiresAt, CancellationToken.None));
        return proxy;
    }

    private Task<(List<AccessCapacity> Capacities, bool Reads, UploadRight Upload)> AskAsync(Guid accountId, Guid patientId) =>
        _portal.WithScopeAsync(async sp =>
        {
            var access = sp.GetRequiredService<PatientAccess>();
            var capacities = (await access.CapacitiesAsync(accountId, patientId, CancellationToken.None)).Select(c => c.Capacity).ToList();
            var reads = await access.ReadablePatientIds(accountId).AnyAsync(id => id == patientId);
            var (upload, _) = await sp.GetRequiredService<DocumentAccessPolicy>().UploadRightAsync(accountId, patientId, CancellationToken.None);
            return (capacities, reads, upload);
        });

    private sealed record Row(string Reads, string Uploads);

    private static Dictionary<string, Row> ReadTable()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kaitiaki.slnx")))
        {
            dir = dir.Parent;
        }
        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "architecture.md"));
        var start = doc.IndexOf("**One patient-access rule.**", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md section 3.3 has no capacity table.");
        var rows = new Dictionary<string, Row>();
        foreach (var line in doc[start..].Split('\n').SkipWhile(l => !l.StartsWith("| Capacity", StringComparison.Ordinal)).Skip(2))
        {
            if (!line.StartsWith('|'))
            {
                break;
            }
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            rows[cells[1].Trim('`')] = new Row(cells[4], cells[5]);
        }
        return rows;
    }
}
