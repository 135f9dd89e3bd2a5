using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The security status made to be printed or saved as a PDF: one sheet per person, with the date it was printed, the
/// phrase and the helpline, and nothing to click. The Print button of the status page is a link here, so it works
/// without JavaScript; with JavaScript this page also offers the browser's print dialogue.
/// </summary>
[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.SecurityStatusViewed)]
internal sealed class SecurityStatusPrintModel(PatientSideStatuses statuses, IncidentOptions options, TimeProvider clock) : PageModel
{
    public List<PersonStatus> People { get; private set; } = [];
    public string Helpline => options.HelplineNumber;
    public DateTime PrintedAt { get; private set; }
    public Guid? PatientId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? patientId, CancellationToken cancellationToken)
    {
        if (await statuses.ReadAsync(User.AccountId()!.Value, patientId, cancellationToken) is not { } people || people.Count == 0)
        {
            return NotFound();
        }
        People = people;
        PatientId = patientId;
        PrintedAt = clock.GetUtcNow().UtcDateTime;
        await statuses.RecordShownAsync(people);
        return Page();
    }
}
