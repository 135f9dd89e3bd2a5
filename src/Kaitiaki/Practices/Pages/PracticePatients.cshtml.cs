using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Practices.Pages;

/// <summary>A practice's patients, searchable and paged, for its clinicians and administrators.</summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PatientListViewed)]
internal sealed class PracticePatientsModel(StaffAccess staff, PracticeService practices) : PageModel
{
    public List<StaffPractice> Practices { get; private set; } = [];
    public StaffPractice Practice { get; private set; } = null!;
    public PanelPage Panel { get; private set; } = null!;
    public string? Search { get; private set; }
    public bool IsClinician { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? practiceId, string? q, int page, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        Practices = (await staff.PracticesAsync(accountId, cancellationToken)).Where(p => p.Roles.Any(PatientAccess.PatientListRoles.Contains)).ToList();
        var chosen = practiceId is { } wanted ? Practices.FirstOrDefault(p => p.PracticeId == wanted) : Practices.FirstOrDefault();
        if (chosen is null)
        {
            return NotFound();
        }
        Practice = chosen;
        IsClinician = chosen.Roles.Contains(StaffRole.Clinician);
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim()[..Math.Min(q.Trim().Length, 100)];
        Panel = await practices.PanelPageAsync(accountId, chosen.PracticeId, Search, page, cancellationToken);
        return Page();
    }

    /// <summary>The address of another page of the same list.</summary>
    public string PageLink(int page) =>
        $"?practiceId={Practice.PracticeId}&page={page}" + (Search is null ? "" : "&q=" + Uri.EscapeDataString(Search));
}
