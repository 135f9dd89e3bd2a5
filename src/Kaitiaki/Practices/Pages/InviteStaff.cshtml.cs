using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Practices.Pages;

[Authorize(Policy = AccountsSetup.PracticeAdministratorPolicy)]
[Audited(AuditAction.InvitationCreated)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class InviteStaffModel(StaffAccess access, InvitationService invitations) : PageModel
{
    [BindProperty] public Guid PracticeId { get; set; }
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public StaffRole Role { get; set; } = StaffRole.Clinician;

    public List<StaffPractice> Practices { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Sent { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken) || !Practices.Any(p => p.PracticeId == PracticeId))
        {
            return NotFound();
        }
        if (string.IsNullOrWhiteSpace(Name))
        {
            Error = "Enter the staff member's name.";
            return Page();
        }
        if (string.IsNullOrWhiteSpace(Email) || !System.Net.Mail.MailAddress.TryCreate(Email.Trim(), out _))
        {
            Error = "Enter a valid e-mail address, like name@practice.co.nz.";
            return Page();
        }
        if (!Enum.IsDefined(Role))
        {
            Error = "Choose a role.";
            return Page();
        }
        try
        {
            await invitations.InviteStaffAsync(Email, Name, PracticeId, Role, User.AccountId(), cancellationToken);
            Sent = $"An invitation has been e-mailed to {Email.Trim()}.";
            Name = Email = null;
        }
        catch (InvitationException ex)
        {
            Error = ex.Message;
        }
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Practices = await access.ActivePracticesWithAsync(User.AccountId()!.Value, [StaffRole.PracticeAdministrator], cancellationToken);
        return Practices.Count > 0;
    }
}
