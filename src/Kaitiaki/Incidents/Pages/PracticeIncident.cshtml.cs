using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// One breach incident as a practice reviews it: its patients in a chosen scope version (the latest frozen one unless
/// another is asked for), paged; flagging a patient for clinician-led contact with a reason, or removing the flag; and
/// approving a frozen version before its deadline. Everything goes through <see cref="PracticeReview"/>, which holds
/// the one access rule; another practice's incident answers 404.
/// </summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PracticeIncidentViewed, AuditAction.PracticeReviewRecorded)]
internal sealed class PracticeIncidentModel(StaffAccess staff, PatientAccess access, PracticeReview review, TimeProvider clock) : PageModel
{
    public const int PageSize = 50;

    public List<StaffPractice> Practices { get; private set; } = [];
    public StaffPractice Practice { get; private set; } = null!;
    public Incident Incident { get; private set; } = null!;
    public List<PracticeVersionCount> Versions { get; private set; } = [];
    public PracticeVersionCount Version { get; private set; } = null!;
    public ScopeVersion Scope { get; private set; } = null!;
    public ScopePatientPage List { get; private set; } = null!;
    public DateTime Now { get; private set; }

    /// <summary>The patient whose flag form is open, when one is.</summary>
    public ScopePatientRow? FlagTarget { get; private set; }

    public string? Reason { get; private set; }
    public string? Message { get; private set; }
    public Problem? Problem { get; private set; }

    public string VersionName => ReviewText.VersionName(Version);
    public int Pages => Math.Max(1, (List.Total + PageSize - 1) / PageSize);

    public async Task<IActionResult> OnGetAsync(Guid incidentId, Guid? practiceId, int? version, int page, Guid? flag, string? done, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(incidentId, practiceId, version, page, cancellationToken))
        {
            return NotFound();
        }
        FlagTarget = List.Patients.FirstOrDefault(p => p.PatientId == flag);
        Reason = FlagTarget?.FlagReason;
        Message = ReviewText.Done(done, Version.Version);
        return Page();
    }

    public async Task<IActionResult> OnPostFlagAsync(
        Guid incidentId, Guid? practiceId, int? version, int page, Guid? patientId, string? reason, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(incidentId, practiceId, version, page, cancellationToken))
        {
            return NotFound();
        }
        FlagTarget = List.Patients.FirstOrDefault(p => p.PatientId == patientId);
        Reason = reason;
        var name = FlagTarget?.Name ?? "this patient";
        if (patientId is null && !string.IsNullOrWhiteSpace(reason))
        {
            Problem = new Problem("Choose the patient to flag from the list below.");
            return Page();
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            Problem = new Problem($"Say why {name} needs clinician-led contact. The reason stays with the flag, for the clinician who makes contact.", "reason");
            return Page();
        }
        return await ReviewAsync([new FlagRequest(patientId, reason)], [], approve: false, "flagged", cancellationToken);
    }

    public async Task<IActionResult> OnPostUnflagAsync(Guid incidentId, Guid? practiceId, int? version, int page, Guid? patientId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(incidentId, practiceId, version, page, cancellationToken))
        {
            return NotFound();
        }
        if (patientId is not { } id)
        {
            Problem = new Problem("Choose the patient whose flag to remove.");
            return Page();
        }
        return await ReviewAsync([], [id], approve: false, "unflagged", cancellationToken);
    }

    public async Task<IActionResult> OnPostApproveAsync(Guid incidentId, Guid? practiceId, int? version, int page, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(incidentId, practiceId, version, page, cancellationToken))
        {
            return NotFound();
        }
        return await ReviewAsync([], [], approve: true, "approved", cancellationToken);
    }

    /// <summary>The address of this list with other choices: another page, another version, a flag form open.</summary>
    public string Link(int? page = null, Guid? flag = null, string? done = null, int? version = null) =>
        $"/practice/incidents/{Incident.Id}?practiceId={Practice.PracticeId}&version={version ?? Version.Version}"
        + (page ?? List.Page) switch { 1 => "", var p => $"&page={p}" }
        + (flag is { } f ? $"&flag={f}#flag" : "")
        + (done is null ? "" : $"&done={Uri.EscapeDataString(done)}");

    public string ExportLink => $"/practice/incidents/{Incident.Id}/export.csv?practiceId={Practice.PracticeId}&version={Version.Version}";

    private async Task<IActionResult> ReviewAsync(
        IReadOnlyList<FlagRequest> flags, IReadOnlyList<Guid> unflag, bool approve, string done, CancellationToken cancellationToken)
    {
        var result = await review.ReviewAsync(User.AccountId()!.Value, Practice.PracticeId, Incident.Id, Version.Version, flags, unflag, approve, cancellationToken);
        if (!result.Found)
        {
            return NotFound();
        }
        if (result.Problem is { } problem)
        {
            Problem = result.Field switch
            {
                "patientId" => new Problem($"That patient is not among {Practice.Name}'s patients in {VersionName}. Choose them again from the list below."),
                "reason" => new Problem(problem, "reason"),
                _ => new Problem(problem),
            };
            return Page();
        }
        return Redirect(Link(done: approve && result.Late ? "approved-late" : done));
    }

    private async Task<bool> LoadAsync(Guid incidentId, Guid? practiceId, int? version, int page, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        if (await ReviewText.ChooseAsync(staff, access, accountId, practiceId, cancellationToken) is not { } choice)
        {
            return false;
        }
        (Practices, Practice) = choice;
        if (await review.IncidentCountsAsync(accountId, Practice.PracticeId, incidentId, cancellationToken) is not { } counts)
        {
            return false;
        }
        (Incident, Versions) = counts;
        if (await review.PracticePatientsAsync(accountId, Practice.PracticeId, incidentId, version, Math.Clamp(page, 1, 100_000), PageSize, cancellationToken) is not { } list
            || await review.ChosenVersionAsync(incidentId, list.Version, cancellationToken) is not { } scope)
        {
            return false;
        }
        (List, Scope) = (list, scope);
        Version = Versions.First(v => v.Version == list.Version);
        Now = clock.GetUtcNow().UtcDateTime;
        return true;
    }
}
