using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// "Is my practice affected?" for a practice's privacy officer or administrator: each breach incident with a plain yes
/// or no, the practice's counts in every scope version, and where its review stands. A practice that has left is included.
/// </summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PracticeIncidentViewed)]
internal sealed class PracticeIncidentsModel(StaffAccess staff, PatientAccess access, PracticeReview review, TimeProvider clock) : PageModel
{
    public List<StaffPractice> Practices { get; private set; } = [];
    public StaffPractice Practice { get; private set; } = null!;
    public List<(Incident Incident, List<PracticeVersionCount> Versions)> Incidents { get; private set; } = [];
    public DateTime Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? practiceId, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        if (await ReviewText.ChooseAsync(staff, access, accountId, practiceId, cancellationToken) is not { } choice)
        {
            return NotFound();
        }
        var (practices, chosen) = choice;
        (Practices, Practice) = (practices, chosen);
        if (await review.AffectedAsync(accountId, chosen.PracticeId, cancellationToken) is not { } incidents)
        {
            return NotFound();
        }
        Incidents = incidents;
        Now = clock.GetUtcNow().UtcDateTime;
        return Page();
    }

    public string IncidentLink(Incident incident, int? version = null) =>
        $"/practice/incidents/{incident.Id}?practiceId={Practice.PracticeId}" + (version is { } v ? $"&version={v}" : "");
}
