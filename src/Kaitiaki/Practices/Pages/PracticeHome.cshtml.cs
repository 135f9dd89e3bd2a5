using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Practices.Pages;

[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PatientListViewed)]
internal sealed class PracticeHomeModel(StaffAccess access, PracticeService practices) : PageModel
{
    public List<StaffPractice> Practices { get; private set; } = [];
    public Dictionary<Guid, List<Patient>> PatientsByPractice { get; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        Practices = await access.PracticesAsync(accountId, cancellationToken);
        // Only clinicians see the patient list; administrators and privacy officers see no clinical content.
        foreach (var practice in Practices.Where(p => p.Roles.Contains(StaffRole.Clinician)))
        {
            PatientsByPractice[practice.PracticeId] = await practices.ListEnrolledPatientsAsync(accountId, practice.PracticeId, cancellationToken);
        }
    }
}
