using Kaitiaki.Accounts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// What every page of one incident shares: incident managers only, the incident from the route (a missing one is not
/// found), the message after a change, and the problem with a form.
/// </summary>
[Authorize(Policy = AccountsSetup.IncidentManagerPolicy)]
internal abstract class IncidentPage(IncidentService incidents) : PageModel
{
    /// <summary>The incidents service, for the pages built on this one.</summary>
    protected IncidentService Incidents { get; } = incidents;

    public Incident Incident { get; private set; } = null!;
    public string? Message { get; protected set; }
    public Problem? Problem { get; protected set; }

    protected Guid Me => User.AccountId()!.Value;

    protected async Task<bool> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await Incidents.FindAsync(id, cancellationToken) is not { } incident)
        {
            return false;
        }
        Incident = incident;
        return true;
    }

    public string? ErrorFor(string field) => Problem?.Field == field ? Problem.Message : null;

    public string GroupClass(string field) => ErrorFor(field) is null ? "govuk-form-group" : "govuk-form-group govuk-form-group--error";

    /// <summary>The aria-describedby of a field with a hint: the hint, and the error when there is one.</summary>
    public string DescribedBy(string field) => ErrorFor(field) is null ? $"{field}-hint" : $"{field}-hint {field}-error";

    /// <summary>The Privacy Commissioner's clock: 72 hours from awareness, met when a contact with the Commissioner is recorded.</summary>
    public static IncidentClock CommissionerClock(Incident incident, DateTime now) =>
        new("commissioner", "Tell the Privacy Commissioner", incident.AwareAt + IncidentService.CommissionerClock, incident.CommissionerNotifiedAt,
            incident.CommissionerNotifiedAt is { } at
                ? $"Notified {NzTime.DateAndTime(at)}, {IncidentText.Took(at - incident.AwareAt)} after awareness"
                  + (at > incident.AwareAt + IncidentService.CommissionerClock ? ", after the 72 hours." : ", within the 72 hours.")
                : null,
            now);
}
