using System.Globalization;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// A practice's patients in one scope version as a CSV file, named by the version in its file name and in its first
/// column. Reading it is recorded as the practice's view of every patient in it (<see cref="PracticeReview.ExportAsync"/>).
/// </summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PracticeIncidentViewed)]
internal sealed class PracticeIncidentExportModel(StaffAccess staff, PatientAccess access, PracticeReview review) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid incidentId, Guid? practiceId, string? version, CancellationToken cancellationToken)
    {
        int? number = null;
        if (version is not null)
        {
            if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                return NotFound();
            }
            number = n;
        }
        var accountId = User.AccountId()!.Value;
        if (await ReviewText.ChooseAsync(staff, access, accountId, practiceId, cancellationToken) is not { } choice
            || await review.IncidentCountsAsync(accountId, choice.Chosen.PracticeId, incidentId, cancellationToken) is not { } counts
            || await review.ExportAsync(accountId, choice.Chosen.PracticeId, incidentId, number, cancellationToken) is not { } list)
        {
            return NotFound();
        }
        Response.Headers.CacheControl = "no-store";
        return File(PracticeCsv.Write(list, choice.Chosen.PracticeId), "text/csv; charset=utf-8", PracticeCsv.FileName(counts.Incident, list.Version));
    }
}
