using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Kaitiaki.Practices;

namespace Kaitiaki.Audit.Pages;

[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.AccessLogViewed)]
internal sealed class AccessLogModel(PatientAccess access, AccessLog log, AuditTrail audit) : PageModel
{
    public List<AccessLogSitting> Entries { get; private set; } = [];
    public int PageNumber { get; private set; }
    public bool HasOlder { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? page, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        var patientId = await access.OwnPatientIdAsync(accountId, cancellationToken);
        if (patientId is null)
        {
            return NotFound();
        }
        PageNumber = Math.Max(0, page ?? 0);
        (Entries, HasOlder) = await log.SittingsForPatientAsync(patientId.Value, accountId, PageNumber, cancellationToken);
        await audit.RecordAndSaveAsync(AuditAction.AccessLogViewed, patientId: patientId, cancellationToken: cancellationToken);
        return Page();
    }
}
