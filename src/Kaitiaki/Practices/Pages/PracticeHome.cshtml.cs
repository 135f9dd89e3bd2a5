using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices.Pages;

internal sealed record PracticeSummary(StaffPractice Practice, int EnrolledPatients, int Staff, string PrivacyContactName, string PrivacyContactEmail);

/// <summary>
/// A staff member's home: each practice they work at, with what their roles let them do there. It shows counts and the
/// practice's own contacts, never a patient, so it reads no patient data.
/// </summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[NoPatientData]
internal sealed class PracticeHomeModel(KaitiakiDb db, StaffAccess staff, PatientAccess access, KaitiakiOptions options) : PageModel
{
    public List<PracticeSummary> Practices { get; private set; } = [];
    public int DeleteGraceDays => options.Documents.DeleteGraceDays;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        foreach (var practice in await staff.PracticesAsync(User.AccountId()!.Value, cancellationToken))
        {
            var contact = await db.Practices.AsNoTracking().Where(p => p.Id == practice.PracticeId)
                .Select(p => new { p.PrivacyContactName, p.PrivacyContactEmail }).FirstAsync(cancellationToken);
            Practices.Add(new PracticeSummary(practice,
                // Decoy patients planted by the security team are never counted as real patients.
                await access.CurrentEnrolments().Where(e => e.PracticeId == practice.PracticeId)
                    .Join(db.Patients.Where(p => !p.IsDecoy), e => e.PatientId, p => p.Id, (e, p) => e.Id).CountAsync(cancellationToken),
                await access.CurrentMemberships().Where(m => m.PracticeId == practice.PracticeId).Select(m => m.AccountId).Distinct().CountAsync(cancellationToken),
                contact.PrivacyContactName, contact.PrivacyContactEmail));
        }
    }
}
