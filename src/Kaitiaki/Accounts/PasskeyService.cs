using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Kaitiaki.Accounts;

/// <summary>A passkey sign-in: the account when it may have a session, or what holds it back.</summary>
internal sealed record PasskeySignIn(Account? Account, SignInHold Hold = SignInHold.None);

/// <summary>
/// Passkeys through ASP.NET Core Identity's WebAuthn handler. The ceremony state rides in a short-lived,
/// data-protected cookie. A passkey that verified its user is a complete sign-in on its own: it is
/// something the person has, unlocked by something they are or know.
/// </summary>
internal sealed class PasskeyService(
    IPasskeyHandler<Account> handler,
    UserManager<Account> users,
    KaitiakiDb db,
    AuditTrail audit,
    SignInService signIn,
    IDataProtectionProvider protection,
    KaitiakiOptions options,
    ILogger<PasskeyService> logger)
{
    /// <summary>What a passkey button says when it is pressed in a browser with JavaScript off.</summary>
    public const string NeedsJavaScript = "Passkeys need JavaScript turned on in your browser.";

    private const string StateCookie = "kaitiaki-passkey";
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(5);

    private ITimeLimitedDataProtector Protector(string purpose) =>
        protection.CreateProtector("Kaitiaki.Passkey", purpose).ToTimeLimitedDataProtector();

    public async Task<string> BeginRegistrationAsync(Account account, HttpContext http)
    {
        var result = await handler.MakeCreationOptionsAsync(
            new PasskeyUserEntity { Id = account.Id.ToString(), Name = account.Email!, DisplayName = account.DisplayName }, http);
        SaveState(http, "attestation", result.AttestationState);
        return result.CreationOptionsJson;
    }

    /// <summary>Null when the passkey was added; otherwise a message for the person.</summary>
    public async Task<string?> CompleteRegistrationAsync(Account account, string? credentialJson, string? name, HttpContext http)
    {
        var state = ReadState(http, "attestation");
        // Before the device's answer is checked, so that nothing is added; the person chose the name and can change it.
        if (PlainText.Problem(name, "The passkey's name") is { } problem)
        {
            return problem + " The passkey wasn't added.";
        }
        if (string.IsNullOrEmpty(credentialJson) || state is null)
        {
            return "Adding the passkey didn't finish. Please try again.";
        }
        var result = await handler.PerformAttestationAsync(new PasskeyAttestationContext { CredentialJson = credentialJson, AttestationState = state, HttpContext = http });
        if (!result.Succeeded || result.UserEntity.Id != account.Id.ToString())
        {
            logger.LogWarning("A passkey registration was refused: {Reason}", result.Failure?.Message ?? "it belongs to another account");
            return "Your device's passkey couldn't be checked, so it wasn't added. Please try again.";
        }
        result.Passkey.Name = string.IsNullOrWhiteSpace(name) ? "Passkey" : name.Trim()[..Math.Min(name.Trim().Length, 60)];
        var added = await users.AddOrUpdatePasskeyAsync(account, result.Passkey);
        if (!added.Succeeded)
        {
            return "The passkey couldn't be saved. Please try again.";
        }
        await audit.RecordAndSaveAsync(AuditAction.PasskeyAdded, actorAccountId: account.Id);
        return null;
    }

    public async Task<string> BeginSignInAsync(HttpContext http)
    {
        var result = await handler.MakeRequestOptionsAsync(null, http);
        SaveState(http, "assertion", result.AssertionState);
        return result.RequestOptionsJson;
    }

    /// <summary>
    /// The account whose passkey verified, when it may have a session now. A suspended account, or one whose sign-in
    /// details must be renewed, gets no account but the hold: a passkey is one of the details being replaced.
    /// </summary>
    public async Task<PasskeySignIn> CompleteSignInAsync(string? credentialJson, HttpContext http, CancellationToken cancellationToken)
    {
        var state = ReadState(http, "assertion");
        if (string.IsNullOrEmpty(credentialJson) || state is null)
        {
            return new PasskeySignIn(null);
        }
        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext { CredentialJson = credentialJson, AssertionState = state, HttpContext = http });
        if (!result.Succeeded)
        {
            logger.LogWarning("A passkey sign-in was refused: {Reason}", result.Failure?.Message);
            await audit.RecordAndSaveAsync(AuditAction.PasskeySignIn, AuditOutcome.Failure, detail: "passkey not verified", cancellationToken: cancellationToken);
            return new PasskeySignIn(null);
        }
        var account = result.User;
        if (await users.IsLockedOutAsync(account))
        {
            await audit.RecordAndSaveAsync(AuditAction.PasskeySignIn, AuditOutcome.Denied, detail: "account locked", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return new PasskeySignIn(null);
        }
        if (await signIn.HoldOnAsync(account, cancellationToken) is var hold and not SignInHold.None)
        {
            await audit.RecordAndSaveAsync(AuditAction.PasskeySignIn, AuditOutcome.Denied,
                detail: hold == SignInHold.AccountSuspended ? "account suspended" : "renewal required", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return new PasskeySignIn(null, hold);
        }
        // Keeps the signature counter, so a cloned authenticator shows up.
        await users.AddOrUpdatePasskeyAsync(account, result.Passkey);
        audit.Record(AuditAction.PasskeySignIn, actorAccountId: account.Id);
        await db.SaveChangesAsync(cancellationToken);
        return new PasskeySignIn(account);
    }

    public async Task<bool> RemoveAsync(Account account, string credentialId)
    {
        byte[] id;
        try
        {
            id = Convert.FromBase64String(credentialId);
        }
        catch (FormatException)
        {
            return false;
        }
        var removed = await users.RemovePasskeyAsync(account, id);
        if (removed.Succeeded)
        {
            await audit.RecordAndSaveAsync(AuditAction.PasskeyRemoved, actorAccountId: account.Id);
        }
        return removed.Succeeded;
    }

    private void SaveState(HttpContext http, string purpose, string? state) =>
        http.Response.Cookies.Append(options.CookieName(StateCookie), Protector(purpose).Protect(state ?? "", StateLifetime), options.ShortLivedCookie(StateLifetime));

    private string? ReadState(HttpContext http, string purpose)
    {
        var cookie = http.Request.Cookies[options.CookieName(StateCookie)];
        http.Response.Cookies.Delete(options.CookieName(StateCookie), options.ShortLivedCookie(TimeSpan.Zero));
        if (string.IsNullOrEmpty(cookie))
        {
            return null;
        }
        try
        {
            return Protector(purpose).Unprotect(cookie);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
