using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Practices.Pages;

[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PatientCreated, AuditAction.EnrolmentStarted, AuditAction.InvitationCreated, AuditAction.EnrolmentTransferRequested,
    AuditAction.EnrolmentTransferRefused)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class InvitePatientModel(StaffAccess access, PracticeService practices) : PageModel
{
    private static readonly StaffRole[] AllowedRoles = [StaffRole.Clinician, StaffRole.PracticeAdministrator];

    [BindProperty] public Guid PracticeId { get; set; }
    [BindProperty] public string? Nhi { get; set; }
    [BindProperty] public string? GivenName { get; set; }
    [BindProperty] public string? FamilyName { get; set; }
    [BindProperty] public DateOnly? DateOfBirth { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Mobile { get; set; }
    [BindProperty] public ContactMethod PreferredContact { get; set; }

    /// <summary>The one answer to every accepted form, whatever it found.</summary>
    public const string Answer =
        "Thank you. If this patient is new to Kaitiaki, they have been added to your practice and e-mailed an invitation. " +
        "If they already use Kaitiaki, we have asked them to agree to join your practice; you will see their records only " +
        "after they agree, in the portal or by giving you the code we sent them. For the patient's privacy, this message is the same either way.";

    public List<StaffPractice> Practices { get; private set; } = [];
    public string? Error { get; private set; }
    public string? ErrorField { get; private set; }
    public string? Sent { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }
        var accountId = User.AccountId()!.Value;
        if (!await access.HasRoleAsync(accountId, PracticeId, AllowedRoles, cancellationToken))
        {
            return NotFound();
        }
        try
        {
            // The outcome is not shown: the same answer whether or not the NHI and date of birth match a registered patient.
            await practices.RegisterPatientAsync(PracticeId,
                new NewPatient(Nhi, GivenName, FamilyName, DateOfBirth, Email, Mobile, PreferredContact), invite: true, accountId, cancellationToken);
            Sent = Answer;
            Nhi = GivenName = FamilyName = Email = Mobile = null;
            DateOfBirth = null;
        }
        catch (ValidationFailedException ex)
        {
            Error = ex.Message;
            ErrorField = ex.Field;
        }
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Practices = await access.ActivePracticesWithAsync(User.AccountId()!.Value, AllowedRoles, cancellationToken);
        if (PracticeId == Guid.Empty && Practices.Count > 0)
        {
            PracticeId = Practices[0].PracticeId;
        }
        return Practices.Count > 0;
    }
}
