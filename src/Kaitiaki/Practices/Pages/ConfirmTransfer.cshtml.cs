using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Practices.Pages;

/// <summary>Staff enter the code a patient gave them, which is the patient's agreement to join the practice.</summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.EnrolmentTransferAccepted, AuditAction.EnrolmentTransferRefused, AuditAction.EnrolmentStarted, AuditAction.EnrolmentEnded)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class ConfirmTransferModel(StaffAccess access, EnrolmentService enrolments) : PageModel
{
    private static readonly StaffRole[] AllowedRoles = [StaffRole.Clinician, StaffRole.PracticeAdministrator];

    public const string NotMatched =
        "We couldn't match that NHI number and code. Please check both with the patient. After five wrong codes the request ends, and you can send a new one.";

    [BindProperty] public Guid PracticeId { get; set; }
    [BindProperty] public string? Nhi { get; set; }
    [BindProperty] public string? Code { get; set; }

    public List<StaffPractice> Practices { get; private set; } = [];
    public string? Error { get; private set; }

    public string? Confirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool confirmed, CancellationToken cancellationToken)
    {
        Confirmed = confirmed ? "Thank you. The patient has agreed, and is now enrolled at your practice." : null;
        return await LoadAsync(cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken)
            || !await access.HasRoleAsync(User.AccountId()!.Value, PracticeId, AllowedRoles, cancellationToken))
        {
            return NotFound();
        }
        if (string.IsNullOrWhiteSpace(Nhi) || string.IsNullOrWhiteSpace(Code))
        {
            Error = "Enter the patient's NHI number and the code they gave you.";
            return Page();
        }
        if (!await enrolments.ConfirmWithCodeAsync(PracticeId, Nhi, Code, cancellationToken))
        {
            Error = NotMatched;
            return Page();
        }
        // Redirect after the post, so refreshing the page does not send the code again.
        return RedirectToPage(new { confirmed = true });
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
