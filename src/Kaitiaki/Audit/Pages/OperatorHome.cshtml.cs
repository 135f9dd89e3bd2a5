using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit.Pages;

/// <summary>
/// Where operators start: what each of their roles can do, with links. The trail's size and latest time are the only
/// figures on it, and they say nothing about any person.
/// </summary>
[Authorize(Policy = AccountsSetup.OperatorPolicy)]
[NoPatientData]
internal sealed class OperatorHomeModel(KaitiakiDb db) : PageModel
{
    public bool CanSearchTrail { get; private set; }
    public bool CanHelpPeople { get; private set; }
    public bool CanUseConsole { get; private set; }
    public bool CanAnswerHelpline { get; private set; }
    public bool CanManageIncidents { get; private set; }
    public long EventCount { get; private set; }
    public DateTime? LatestEventAt { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        CanSearchTrail = User.IsInRole(Roles.SecurityAnalyst) || User.IsInRole(Roles.IncidentManager);
        CanHelpPeople = User.IsInRole(Roles.SupportAgent) || User.IsInRole(Roles.SecurityAnalyst);
        CanUseConsole = User.IsInRole(Roles.SecurityAnalyst);
        CanAnswerHelpline = User.IsInRole(Roles.SupportAgent);
        CanManageIncidents = User.IsInRole(Roles.IncidentManager);
        if (CanSearchTrail)
        {
            // Sequences run from 1 without gaps, so the newest one is the count, read from the index in one step.
            var latest = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence)
                .Select(e => new { e.Sequence, e.OccurredAt }).FirstOrDefaultAsync(cancellationToken);
            EventCount = latest?.Sequence ?? 0;
            LatestEventAt = latest?.OccurredAt;
        }
    }
}
