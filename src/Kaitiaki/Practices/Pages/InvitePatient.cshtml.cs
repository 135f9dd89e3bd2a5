using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Practices.Pages;

[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.PatientCreated, AuditAction.EnrolmentStarted, AuditAction.InvitationCreated)]
[EnableRateLimiting(RateLimits.SignIn)]
public sealed class InvitePatientModel(StaffAccess access, PracticeService practices) : PageModel
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
            var (patient, code) = await practices.RegisterPatientAsync(PracticeId,
                new NewPatient(Nhi, GivenName, FamilyName, DateOfBirth, Email, Mobile, PreferredContact), invite: true, accountId, cancellationToken);
            Sent = code is null
                ? $"{patient.DisplayName} is now enrolled. They already have a Kaitiaki account, so no invitation was needed."
                : $"{patient.DisplayName} is enrolled and an invitation has been e-mailed to them.";
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
        Practices = (await access.PracticesAsync(User.AccountId()!.Value, cancellationToken))
            .Where(p => p.Status == PracticeStatus.Active && p.Roles.Any(AllowedRoles.Contains))
            .ToList();
        if (PracticeId == Guid.Empty && Practices.Count > 0)
        {
            PracticeId = Practices[0].PracticeId;
        }
        return Practices.Count > 0;
    }
}
