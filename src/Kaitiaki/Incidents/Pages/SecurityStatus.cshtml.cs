using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// "Your security status": for each person the account acts for, whether a breach incident touched their records, which
/// documents and when, what is being done, what they can do, and the verification phrase their notices carry.
/// </summary>
[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.SecurityStatusViewed)]
internal sealed class SecurityStatusModel(PatientSideStatuses statuses, IncidentOptions options) : PageModel
{
    public List<PersonStatus> People { get; private set; } = [];
    public string Helpline => options.HelplineNumber;

    /// <summary>True when the address named one person, so the page shows only them.</summary>
    public bool OnePerson { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? patientId, CancellationToken cancellationToken)
    {
        if (await statuses.ReadAsync(User.AccountId()!.Value, patientId, cancellationToken) is not { } people || people.Count == 0)
        {
            return NotFound();
        }
        People = people;
        OnePerson = patientId is not null;
        await statuses.RecordShownAsync(people);
        return Page();
    }
}

/// <summary>One person's status as <c>_PersonStatus</c> shows it: on the status page, or on the sheet made for printing (no links, the date printed).</summary>
internal sealed record StatusView(PersonStatus Status, string Helpline, DateTime? PrintedAt = null)
{
    public bool ForPrint => PrintedAt is not null;

    public string HelplineTel => StatusWords.Tel(Helpline);
}
