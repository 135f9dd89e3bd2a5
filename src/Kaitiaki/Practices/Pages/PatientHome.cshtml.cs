using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Incidents;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices.Pages;

internal sealed record Dependant(Guid PatientId, string Name, DateTime? ExpiresAt);

[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.PatientDetailsViewed, AuditAction.SecurityStatusViewed, AuditAction.EnrolmentTransferAccepted, AuditAction.EnrolmentTransferDeclined)]
internal sealed class PatientHomeModel(
    KaitiakiDb db, AuditTrail audit, EnrolmentService enrolments, PatientAccess access, PatientSideStatuses statuses, IncidentOptions incidents) : PageModel
{
    /// <summary>The people, of all the account acts for, whose security status has something to tell: a banner each.</summary>
    public List<PersonStatus> SecurityBanners { get; private set; } = [];
    public string Helpline => incidents.HelplineNumber;

    public List<PendingTransfer> Transfers { get; private set; } = [];
    public string? Done { get; private set; }

    public Patient Patient { get; private set; } = null!;
    public List<PatientSidePerson> People { get; private set; } = [];
    public bool IsSelf { get; private set; }
    public string? PracticeName { get; private set; }
    public List<Dependant> Dependants { get; private set; } = [];

    /// <summary>The home of the account's own patient, or of someone they act for when <paramref name="patientId"/> names them.</summary>
    public async Task<IActionResult> OnGetAsync(string? done, Guid? patientId, CancellationToken cancellationToken)
    {
        Done = done switch
        {
            "agreed" => "Thank you. Your new practice is shown below, and your old practice can no longer see your records.",
            "declined" => "Thank you. You declined the request, and nothing has changed.",
            _ => null,
        };
        var accountId = User.AccountId()!.Value;
        // The people come from the signed-in account; an id in the address only chooses among them.
        People = await access.PatientSidePeopleAsync(accountId, cancellationToken);
        var chosen = patientId is { } wanted ? People.FirstOrDefault(p => p.Id == wanted) : People.FirstOrDefault();
        if (chosen is null)
        {
            return NotFound();
        }
        IsSelf = chosen.IsSelf;
        var patient = await db.Patients.AsNoTracking().FirstAsync(p => p.Id == chosen.Id, cancellationToken);
        Patient = patient;
        PracticeName = await access.CurrentEnrolments().Where(e => e.PatientId == patient.Id)
            .Join(db.Practices, e => e.PracticeId, p => p.Id, (e, p) => p.Name)
            .FirstOrDefaultAsync(cancellationToken);
        Dependants = await access.LiveGrants()
            .Where(g => g.ProxyAccountId == accountId)
            .Join(db.Patients, g => g.PatientId, p => p.Id, (g, p) => new { p.Id, p.GivenName, p.FamilyName, g.ExpiresAt })
            .Select(d => new Dependant(d.Id, d.GivenName + " " + d.FamilyName, d.ExpiresAt))
            .ToListAsync(cancellationToken);
        // Every person's banner shows on every home, so a parent sees their child's status on their own home too.
        SecurityBanners = (await statuses.ForPeopleAsync(People, cancellationToken)).Where(p => p.Status.State != SecurityState.NoIncident).ToList();
        await statuses.RecordShownAsync(SecurityBanners);
        // Only the patient themselves decides where they are enrolled.
        Transfers = IsSelf ? await enrolments.PendingForAccountAsync(accountId, cancellationToken) : [];
        await audit.RecordAndSaveAsync(AuditAction.PatientDetailsViewed, patientId: patient.Id, cancellationToken: cancellationToken);
        return Page();
    }

    /// <summary>The patient agrees to move to the practice that asked. Only their own open request can be agreed to.</summary>
    public async Task<IActionResult> OnPostAgreeAsync(Guid id, CancellationToken cancellationToken) =>
        await enrolments.AgreeAsync(User.AccountId()!.Value, id, cancellationToken) ? RedirectToPage(new { done = "agreed" }) : NotFound();

    public async Task<IActionResult> OnPostDeclineAsync(Guid id, CancellationToken cancellationToken) =>
        await enrolments.DeclineAsync(User.AccountId()!.Value, id, cancellationToken) ? RedirectToPage(new { done = "declined" }) : NotFound();
}
