using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Practices;

/// <summary>The practice's patient list: searchable, paged, for clinicians and administrators of that practice only, each shown patient audited.</summary>
[Trait("Category", "Integration")]
public sealed class PracticePanelTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    [Fact]
    public async Task Staff_find_patients_by_name_or_NHI_a_page_at_a_time_and_only_at_their_own_practice()
    {
        var practice = await _portal.CreatePracticeAsync("Panel Practice");
        var elsewhere = await _portal.CreatePracticeAsync("Elsewhere");
        var nhis = new List<string>();
        for (var i = 0; i < PracticeService.PanelPageSize + 5; i++)
        {
            nhis.Add(await RegisterAsync(practice, i == 7 ? "Mere" : "Test", i == 7 ? "Parata" : $"Patient{i:D2}"));
        }
        await RegisterAsync(elsewhere, "Mere", "Elsewhere");

        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var administrator = await _portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var privacyOfficer = await _portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer);
        var otherClinician = await _portal.CreateStaffAsync(elsewhere, StaffRole.Clinician);

        var first = await PanelAsync(administrator.AccountId, practice.Id, null, 1);
        Assert.Equal(PracticeService.PanelPageSize + 5, first.Total);
        Assert.Equal(2, first.Pages);
        Assert.Equal(PracticeService.PanelPageSize, first.Patients.Count);
        var second = await PanelAsync(clinician.AccountId, practice.Id, null, 2);
        Assert.Equal(5, second.Patients.Count);
        Assert.Empty(first.Patients.Select(p => p.Id).Intersect(second.Patients.Select(p => p.Id)));
        // A page past the end shows the last page rather than nothing.
        Assert.Equal(2, (await PanelAsync(clinician.AccountId, practice.Id, null, 99)).Page);

        // Part of a name, in any case, or a whole NHI in any case; never a patient of another practice.
        var byName = await PanelAsync(clinician.AccountId, practice.Id, "  mere PAR ", 1);
        Assert.Equal("Mere Parata", Assert.Single(byName.Patients).Name);
        Assert.Single((await PanelAsync(clinician.AccountId, practice.Id, nhis[3].ToLowerInvariant(), 1)).Patients);
        Assert.Equal(0, (await PanelAsync(clinician.AccountId, practice.Id, "no such person", 1)).Total);

        // A privacy officer, and a clinician of another practice, see no one here.
        Assert.Equal(0, (await PanelAsync(privacyOfficer.AccountId, practice.Id, null, 1)).Total);
        Assert.Equal(0, (await PanelAsync(otherClinician.AccountId, practice.Id, null, 1)).Total);

        // Each patient shown is one audited read; patients on other pages are not.
        var before = await LastSequenceAsync();
        var shown = await PanelAsync(administrator.AccountId, practice.Id, null, 2);
        var reads = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .Where(e => e.Sequence > before && e.Action == AuditAction.PatientListViewed)
            .Select(e => e.PatientId).ToListAsync());
        Assert.Equal(shown.Patients.Select(p => (Guid?)p.Id).Order(), reads.Order());
    }

    private Task<long> LastSequenceAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.MaxAsync(e => e.Sequence));

    private async Task<string> RegisterAsync(Practice practice, string given, string family)
    {
        var nhi = TestPortal.NewTestNhi();
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(nhi, given, family, new DateOnly(1980, 1, 1), $"p-{Guid.NewGuid():N}@example.nz", null, ContactMethod.Email),
            invite: false, staffAccountId: null, CancellationToken.None));
        return nhi;
    }

    private Task<PanelPage> PanelAsync(Guid accountId, Guid practiceId, string? search, int page) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<PracticeService>().PanelPageAsync(accountId, practiceId, search, page, CancellationToken.None));
}
