using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit.Pages;

[Authorize(Policy = AccountsSetup.OperatorPolicy)]
[Audited(AuditAction.AuditTrailViewed)]
internal sealed class OperatorHomeModel(KaitiakiDb db, AuditTrail audit) : PageModel
{
    public bool CanSeeTrail { get; private set; }
    public List<AuditEvent> Events { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        CanSeeTrail = User.IsInRole(Roles.SecurityAnalyst) || User.IsInRole(Roles.IncidentManager);
        if (!CanSeeTrail)
        {
            return;
        }
        Events = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Take(100).ToListAsync(cancellationToken);
        await audit.RecordAndSaveAsync(AuditAction.AuditTrailViewed, detail: "latest 100 events", cancellationToken: cancellationToken);
    }
}
