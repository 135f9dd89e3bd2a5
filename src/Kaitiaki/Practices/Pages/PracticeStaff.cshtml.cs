using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices.Pages;

internal sealed record StaffMember(string Name, string Email, StaffRole Role, DateTime Since);

/// <summary>Who works at a practice today, for its administrators. Staff details are not patient data.</summary>
[Authorize(Policy = AccountsSetup.PracticeAdministratorPolicy)]
[NoPatientData]
internal sealed class PracticeStaffModel(KaitiakiDb db, StaffAccess staff, PatientAccess access) : PageModel
{
    public List<StaffPractice> Practices { get; private set; } = [];
    public StaffPractice Practice { get; private set; } = null!;
    public List<StaffMember> Members { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid? practiceId, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        Practices = (await staff.PracticesAsync(accountId, cancellationToken)).Where(p => p.Roles.Contains(StaffRole.PracticeAdministrator)).ToList();
        var chosen = practiceId is { } wanted ? Practices.FirstOrDefault(p => p.PracticeId == wanted) : Practices.FirstOrDefault();
        if (chosen is null)
        {
            return NotFound();
        }
        Practice = chosen;
        Members = await access.CurrentMemberships().AsNoTracking()
            .Where(m => m.PracticeId == chosen.PracticeId)
            .Join(db.Users, m => m.AccountId, a => a.Id, (m, a) => new StaffMember(a.DisplayName, a.Email ?? "", m.Role, m.StartedAt))
            .ToListAsync(cancellationToken);
        Members = Members.OrderBy(m => m.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(m => m.Role).ToList();
        return Page();
    }
}
