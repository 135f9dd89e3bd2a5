using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Kaitiaki.Accounts.Pages;

internal enum RenewalStep
{
    Ended,
    Authenticator,
    Password,
    Done,
    Paused,
}

/// <summary>
/// Renewing sign-in details after credential remediation, reached only from the second sign-in step with a right code.
/// The browser holds the renewal ticket (<see cref="RenewalTicket"/>) in a short-lived protected cookie; nothing is
/// written to the account until the last step, so a renewal left half-way leaves the old details as they were.
/// </summary>
[AllowAnonymous]
[Audited(AuditAction.RemediationCompleted)]
[EnableRateLimiting(RateLimits.SignIn)]
internal sealed class RenewModel(CredentialRemediation remediation, KaitiakiOptions options, TimeProvider clock) : PageModel
{
    public const string BareCookie = "kaitiaki-renewal";

    [BindProperty] public string? Code { get; set; }
    [BindProperty] public string? NewPassword { get; set; }
    [BindProperty] public string? ConfirmPassword { get; set; }

    public RenewalStep Step { get; private set; }
    public Problem? Problem { get; private set; }
    public string? TotpSecret { get; private set; }
    public string? TotpUri { get; private set; }

    /// <summary>SVG markup of the QR code for <see cref="TotpUri"/>, drawn here so the page needs no script.</summary>
    public string? TotpQrSvg { get; private set; }

    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public string GroupedSecret => TotpSecret is null ? "" : Totp.Grouped(TotpSecret);

    private string Cookie => options.CookieName(BareCookie);

    public async Task OnGetAsync(CancellationToken cancellationToken) => Show(await CurrentAsync(cancellationToken));

    public async Task<IActionResult> OnPostAuthenticatorAsync(CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken);
        if (current is not { } renewal || renewal.Ticket.ConfirmedStep is not null)
        {
            Show(current);
            return Page();
        }
        if (string.IsNullOrWhiteSpace(Code))
        {
            Show(current);
            Problem = new Problem("Enter the six-digit code your authenticator app shows for Kaitiaki.", "code");
            return Page();
        }
        if (remediation.ConfirmAuthenticator(renewal.Ticket, Code) is not { } confirmed)
        {
            Show(current);
            Problem = new Problem("That code isn't right. Please check that the app shows the new Kaitiaki entry, and type the code it shows now.", "code");
            return Page();
        }
        Response.Cookies.Append(Cookie, confirmed, options.ShortLivedCookie(renewal.Ticket.ExpiresAt - clock.GetUtcNow()));
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken);
        Show(current);
        if (Step != RenewalStep.Password)
        {
            return Page();
        }
        if (string.IsNullOrEmpty(NewPassword))
        {
            Problem = new Problem("Enter a new password.", "new-password");
            return Page();
        }
        if (NewPassword != ConfirmPassword)
        {
            Problem = new Problem("The two new passwords don't match. Please type them again.", "confirm-password");
            return Page();
        }
        var outcome = await remediation.CompleteRenewalAsync(current!.Value.Ticket, NewPassword, Request.Headers.UserAgent.ToString(),
            HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        switch (outcome.Status)
        {
            case RenewalStatus.PasswordRefused:
                Problem = new Problem("Please choose a different new password. " + string.Join(" ", outcome.Problems), "new-password");
                return Page();
            case RenewalStatus.AccountSuspended:
                Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
                Step = RenewalStep.Paused;
                return Page();
            case RenewalStatus.Ended:
                Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
                Step = RenewalStep.Ended;
                return Page();
        }
        Response.Cookies.Delete(Cookie, options.ShortLivedCookie(TimeSpan.Zero));
        await HttpContext.SignInAsync(AccountsSetup.CookieScheme, SessionPrincipalFactory.CookiePrincipal(outcome.Session!),
            new AuthenticationProperties { IsPersistent = false });
        // Shown once, in answer to this post: they are never stored where a later request could show them again.
        RecoveryCodes = outcome.RecoveryCodes!;
        Step = RenewalStep.Done;
        return Page();
    }

    private Task<(RenewalTicket Ticket, Account Account)?> CurrentAsync(CancellationToken cancellationToken) =>
        remediation.FindRenewalAsync(Request.Cookies[Cookie], cancellationToken);

    private void Show((RenewalTicket Ticket, Account Account)? current)
    {
        if (current is not { } renewal)
        {
            Step = RenewalStep.Ended;
            return;
        }
        if (renewal.Ticket.ConfirmedStep is not null)
        {
            Step = RenewalStep.Password;
            return;
        }
        Step = RenewalStep.Authenticator;
        TotpSecret = remediation.RevealSeed(renewal.Ticket);
        TotpUri = Totp.OtpAuthUri(Totp.Issuer, renewal.Account.Email ?? renewal.Account.DisplayName, TotpSecret);
        TotpQrSvg = AuthenticatorQrCode.Svg(TotpUri);
    }
}
