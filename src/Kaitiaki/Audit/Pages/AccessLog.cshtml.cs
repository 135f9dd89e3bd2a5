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
    public PatientSidePerson Person { get; private set; } = null!;
    public List<PatientSidePerson> People { get; private set; } = [];

    /// <summary>The log of the account's own patient, or of someone they act for when <paramref name="patientId"/> names them.</summary>
    public async Task<IActionResult> OnGetAsync(int? page, Guid? patientId, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        // The people come from the signed-in account; an id in the address only chooses among them.
        People = await access.PatientSidePeopleAsync(accountId, cancellationToken);
        var chosen = patientId is { } wanted ? People.FirstOrDefault(p => p.Id == wanted) : People.FirstOrDefault();
        if (chosen is null)
        {
            return NotFound();
        }
        Person = chosen;
        PageNumber = Math.Max(0, page ?? 0);
        (Entries, HasOlder) = await log.SittingsForPatientAsync(chosen.Id, accountId, PageNumber, cancellationToken);
        await audit.RecordAndSaveAsync(AuditAction.AccessLogViewed, patientId: chosen.Id, cancellationToken: cancellationToken);
        return Page();
    }

    /// <summary>The address of another page of the same person's log.</summary>
    public string PageLink(int page) => Person.IsSelf ? $"?page={page}" : $"?patientId={Person.Id}&page={page}";
}
