using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Accounts.Pages;

internal enum ActivationStep
{
    Verify,
    Password,
    Confirm,
    Done,
}

[AllowAnonymous]
[Audited(AuditAction.InvitationCodeChecked, AuditAction.InvitationPaused, AuditAction.InvitationActivated, AuditAction.MfaEnrolled)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class ActivateModel(InvitationService invitations, TotpSeeds seeds, IDataProtectionProvider protection, KaitiakiOptions options) : PageModel
{
    private string Cookie => options.CookieName("kaitiaki-activation");
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Kaitiaki.Activation").ToTimeLimitedDataProtector();

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Code { get; set; }
    [BindProperty] public DateOnly? DateOfBirth { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }
    [BindProperty] public bool UseEmailCodes { get; set; }

    public ActivationStep Step { get; private set; }
    public string? Error { get; private set; }
    public List<string> Errors { get; private set; } = [];
    public string? TotpSecret { get; private set; }
    public string? TotpUri { get; private set; }

    /// <summary>SVG markup of the QR code for <see cref="TotpUri"/>, drawn here so the page needs no script.</summary>
    public string? TotpQrSvg { get; private set; }
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public string GroupedSecret => TotpSecret is null ? "" : Totp.Grouped(TotpSecret);

    public async Task OnGetAsync(CancellationToken cancellationToken) => Show(await CurrentAsync(cancellationToken));

    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken cancellationToken)
    {
        var (invitation, problem) = await invitations.VerifyAsync(Email, Code, DateOfBirth, cancellationToken);
        if (invitation is null)
        {
            Error = InvitationService.Describe(problem);
            Step = ActivationStep.Verify;
            return Page();
        }
        var token = _protector.Protect(invitation.Id.ToString(), TimeSpan.FromMinutes(30));
        Response.Cookies.Append(Cookie, token, options.ShortLivedCookie(TimeSpan.FromMinutes(30)));
        Show(invitation);
        return Page();
    }

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        var invitation = await CurrentAsync(cancellationToken);
        if (invitation is null)
        {
            return RestartPage();
        }
        if (Password != ConfirmPassword)
        {
            Error = "The two passwords don't match. Please type them again.";
            Step = ActivationStep.Password;
            return Page();
        }
        var problems = await invitations.ChoosePasswordAsync(invitation, Password ?? "", UseEmailCodes, cancellationToken);
        if (problems.Count > 0)
        {
            Error = "Please choose a different password:";
            Errors = [.. problems];
            Step = ActivationStep.Password;
            return Page();
        }
        Show(invitation);
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken)
    {
        var invitation = await CurrentAsync(cancellationToken);
        if (invitation is null)
        {
            return RestartPage();
        }
        var activated = await invitations.CompleteAsync(invitation, Code, cancellationToken);
        if (activated is null)
        {
            Show(invitation);
            Error = "That code isn't right. Please check it and try again" +
                    (invitation.PendingTotpSecret is not null ? " with the code your app shows now." : ".");
            return Page();
        }
        Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
        RecoveryCodes = activated.RecoveryCodes;
        Step = ActivationStep.Done;
        return Page();
    }

    private PageResult RestartPage()
    {
        Error = "Your activation session has ended. Please start again with your e-mail address and activation code.";
        Step = ActivationStep.Verify;
        return Page();
    }

    private async Task<Invitation?> CurrentAsync(CancellationToken cancellationToken)
    {
        var token = Request.Cookies[Cookie];
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var id = Guid.Parse(_protector.Unprotect(token));
            return await invitations.FindVerifiedAsync(id, cancellationToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private void Show(Invitation? invitation)
    {
        if (invitation is null)
        {
            Step = ActivationStep.Verify;
            return;
        }
        if (invitation.PendingPasswordHash is null)
        {
            Step = ActivationStep.Password;
            return;
        }
        Step = ActivationStep.Confirm;
        TotpSecret = invitation.PendingTotpSecret is { } sealedSeed ? seeds.Reveal(sealedSeed, invitation.Id) : null;
        if (TotpSecret is not null)
        {
            TotpUri = Totp.OtpAuthUri(Totp.Issuer, invitation.Email, TotpSecret);
            TotpQrSvg = AuthenticatorQrCode.Svg(TotpUri);
        }
    }
}
