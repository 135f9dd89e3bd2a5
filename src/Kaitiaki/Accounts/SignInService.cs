using Kaitiaki.Audit;
using Kaitiaki.Notifications;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

/// <summary>
/// There is no "locked out" answer: a locked account answers exactly like a wrong password or an unknown address, so the
/// answer never tells anyone which addresses have accounts.
/// </summary>
internal enum SignInStatus
{
    MfaRequired,
    Failed,
}

internal sealed record SignInStart(SignInStatus Status, Guid? ChallengeId = null, IReadOnlyList<string>? Methods = null);

internal enum MfaStatus
{
    Succeeded,

    /// <summary>A wrong code, or an account locked meanwhile: the two answer alike.</summary>
    WrongCode,
    ChallengeExpired,
    MethodUnavailable,

    /// <summary>The code was right, but the security team has suspended the account: no session.</summary>
    AccountSuspended,

    /// <summary>The code was right, but the account must have a new password and authenticator first: no ordinary session.</summary>
    RenewalRequired,
}

/// <summary>What stands between a person who has proved who they are and a new session.</summary>
internal enum SignInHold
{
    None,

    /// <summary>The security team has suspended the account (<see cref="AccountHolds"/>).</summary>
    AccountSuspended,

    /// <summary>Credential remediation: a new password and a new authenticator must be chosen first.</summary>
    RenewalRequired,
}

internal enum FactorCheck
{
    Accepted,
    Wrong,

    /// <summary>The account has no such method (or, for e-mailed codes, no code was asked for): nothing to count.</summary>
    Unavailable,
}

internal sealed record MfaResult(MfaStatus Status, Account? Account = null, AccountSession? Session = null, string? Token = null);

/// <summary>
/// Password, then a second factor, for browsers and the API alike. Password and MFA failures
/// count towards the same lockout (<see cref="AccessFailures"/>). An unknown e-mail, a wrong password and a locked
/// account look the same.
/// </summary>
internal sealed class SignInService(
    KaitiakiDb db,
    UserManager<Account> users,
    IPasswordHasher<Account> hasher,
    SessionStore sessions,
    AuditTrail audit,
    AccessFailures failures,
    TotpSeeds seeds,
    Outbox outbox,
    AccountHolds holds,
    TimeProvider clock)
{
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(10);

    /// <summary>The words for a suspended account, on the pages and in the API alike, shown only after both factors were right.</summary>
    public const string AccountPausedTitle = "Your account is paused";

    public const string AccountPaused =
        "Our security team has paused your Kaitiaki account while they check something, so you can't sign in for now. " +
        "If you need help, please phone your practice or the Kaitiaki helpline.";

    /// <summary>What the API says to an account that must renew its sign-in details, which only the website can do.</summary>
    public const string RenewOnWebsite =
        "Your account needs a new password and a new authenticator app before you can use it here. " +
        "Please sign in on the Kaitiaki website first to set them up, then sign in here again.";

    public const string MethodTotp = "totp";
    public const string MethodEmail = "email";
    public const string MethodRecovery = "recovery";

    // Verifying against a real hash keeps an unknown e-mail as slow as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() =>
        new PasswordHasher<Account>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = AccountsSetup.PasswordIterations }))
            .HashPassword(new Account { DisplayName = "decoy" }, Secrets.NewToken()));

    public async Task<SignInStart> BeginAsync(string? emailAddress, string? password, CancellationToken cancellationToken)
    {
        var account = string.IsNullOrWhiteSpace(emailAddress) ? null : await users.FindByEmailAsync(emailAddress.Trim());
        if (account is null || string.IsNullOrEmpty(password))
        {
            hasher.VerifyHashedPassword(new Account { DisplayName = "decoy" }, DecoyHash.Value, password ?? "");
            await audit.RecordAndSaveAsync(AuditAction.SignIn, AuditOutcome.Failure, detail: "unknown account or wrong password", cancellationToken: cancellationToken);
            return new SignInStart(SignInStatus.Failed);
        }
        if (await users.IsLockedOutAsync(account))
        {
            // The password is still checked, so a locked account takes as long to answer as any other; it is not counted.
            hasher.VerifyHashedPassword(account, account.PasswordHash ?? DecoyHash.Value, password);
            await audit.RecordAndSaveAsync(AuditAction.SignIn, AuditOutcome.Denied, detail: "account locked", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return new SignInStart(SignInStatus.Failed);
        }
        if (!await users.CheckPasswordAsync(account, password))
        {
            await failures.CountAsync(account, AuditAction.SignIn, "unknown account or wrong password", cancellationToken);
            return new SignInStart(SignInStatus.Failed);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var challenge = new MfaChallenge { AccountId = account.Id, CreatedAt = now, ExpiresAt = now + ChallengeLifetime };
        db.MfaChallenges.Add(challenge);
        var methods = await MethodsAsync(account, cancellationToken);
        audit.Record(AuditAction.SignIn, detail: "password accepted; second factor required", actorAccountId: account.Id);
        await db.SaveChangesAsync(cancellationToken);

        // People who only have e-mail codes get one straight away; others ask for one if they want it.
        if (methods.Count > 0 && methods[0] == MethodEmail)
        {
            await SendEmailCodeAsync(challenge.Id, cancellationToken);
        }
        return new SignInStart(SignInStatus.MfaRequired, challenge.Id, methods);
    }

    public async Task<List<string>> MethodsAsync(Account account, CancellationToken cancellationToken)
    {
        var methods = new List<string>();
        if (account.TotpSecret is not null)
        {
            methods.Add(MethodTotp);
        }
        if (account.EmailCodeEnabled)
        {
            methods.Add(MethodEmail);
        }
        if (await db.RecoveryCodes.AnyAsync(c => c.AccountId == account.Id && c.UsedAt == null, cancellationToken))
        {
            methods.Add(MethodRecovery);
        }
        return methods;
    }

    /// <summary>E-mails a fresh six-digit code for the challenge. False when the challenge is not live or the account has no e-mail codes.</summary>
    public async Task<bool> SendEmailCodeAsync(Guid challengeId, CancellationToken cancellationToken)
    {
        var (challenge, account) = await LiveChallengeAsync(challengeId, cancellationToken, signInOnly: false);
        if (challenge is null || account is null || !account.EmailCodeEnabled || account.Email is null)
        {
            return false;
        }
        var code = Secrets.NewDigits(6);
        challenge.EmailCodeHash = Secrets.HashCode(code);
        challenge.EmailCodeSentAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.MfaEmailCodeSent, detail: challenge.Purpose == ChallengePurpose.PasswordChange ? "password change" : null, actorAccountId: account.Id);
        var message = await outbox.EmailAsync($"sign-in-code/{challenge.Id}/{challenge.EmailCodeSentAt:O}", account.Email,
            challenge.Purpose == ChallengePurpose.PasswordChange ? "password-change-code" : "sign-in-code",
            new Dictionary<string, string>
            {
                ["Name"] = account.DisplayName,
                ["Code"] = code,
                ["Minutes"] = ChallengeLifetime.TotalMinutes.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await outbox.SendNowAsync(message, cancellationToken);
        return true;
    }

    public async Task<MfaResult> CompleteAsync(
        Guid challengeId, string? method, string? code, SessionKind kind, string device, string? ip, CancellationToken cancellationToken)
    {
        var (challenge, account) = await LiveChallengeAsync(challengeId, cancellationToken);
        if (challenge is null || account is null)
        {
            return new MfaResult(MfaStatus.ChallengeExpired);
        }
        if (await users.IsLockedOutAsync(account))
        {
            await audit.RecordAndSaveAsync(AuditAction.MfaVerify, AuditOutcome.Denied, detail: "account locked", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return new MfaResult(MfaStatus.WrongCode);
        }

        var check = await CheckFactorAsync(account, challenge, method, code, cancellationToken);
        if (check == FactorCheck.Unavailable)
        {
            return new MfaResult(MfaStatus.MethodUnavailable);
        }
        var accepted = check == FactorCheck.Accepted;
        var now = clock.GetUtcNow();

        if (!accepted)
        {
            await failures.CountAsync(account, AuditAction.MfaVerify, $"wrong {method} code", cancellationToken);
            return new MfaResult(MfaStatus.WrongCode);
        }

        challenge.CompletedAt = now.UtcDateTime;
        account.AccessFailedCount = 0;
        account.LockoutEnd = null;
        // The account row carries the last TOTP step; its concurrency stamp makes a code raced in twice fail once.
        account.ConcurrencyStamp = Guid.NewGuid().ToString();
        // Only now, after a right password and a right second factor, may the answer differ from anyone else's.
        var hold = await HoldOnAsync(account, cancellationToken);
        if (hold != SignInHold.None)
        {
            return await WithoutSessionAsync(account, method!, hold, kind, cancellationToken);
        }
        audit.Record(AuditAction.MfaVerify, detail: $"{method} accepted", actorAccountId: account.Id);
        try
        {
            var (session, token) = await sessions.CreateAsync(account, kind, device, ip, method!, cancellationToken);
            return new MfaResult(MfaStatus.Succeeded, account, session, token);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another request used this account's code (or changed the account) at the same moment: this one loses.
            return new MfaResult(MfaStatus.WrongCode);
        }
    }

    /// <summary>What stops this account, whose owner has just proved who they are, from getting a session now.</summary>
    public async Task<SignInHold> HoldOnAsync(Account account, CancellationToken cancellationToken) =>
        await holds.IsSuspendedAsync(account.Id, cancellationToken) ? SignInHold.AccountSuspended
        : account.RemediationRequiredAt is not null ? SignInHold.RenewalRequired
        : SignInHold.None;

    /// <summary>
    /// Saves what the right code used up (the challenge, the authenticator step) without making a session. The browser
    /// goes on to renew the sign-in details; the API cannot, and a suspended account goes nowhere.
    /// </summary>
    private async Task<MfaResult> WithoutSessionAsync(Account account, string method, SignInHold hold, SessionKind kind, CancellationToken cancellationToken)
    {
        if (hold == SignInHold.AccountSuspended)
        {
            audit.Record(AuditAction.MfaVerify, AuditOutcome.Denied, detail: "account suspended", actorAccountId: account.Id);
        }
        else if (kind == SessionKind.Cookie)
        {
            audit.Record(AuditAction.MfaVerify, detail: $"{method} accepted; renewal required", actorAccountId: account.Id);
        }
        else
        {
            audit.Record(AuditAction.MfaVerify, AuditOutcome.Denied, detail: "renewal required", actorAccountId: account.Id);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new MfaResult(MfaStatus.WrongCode);
        }
        return new MfaResult(hold == SignInHold.AccountSuspended ? MfaStatus.AccountSuspended : MfaStatus.RenewalRequired, account);
    }

    /// <summary>
    /// Checks a second factor of the account: at sign-in, and for the password page and recovery, which must not be easier
    /// to pass than sign-in. What a right code changes (the authenticator step moved on, the e-mailed code cleared, the
    /// recovery code marked used) is tracked but not saved: the caller saves it with what the code unlocked, so a code is
    /// used up only by a step that went through. The caller counts a wrong code (<see cref="AccessFailures"/>).
    /// </summary>
    /// <param name="challenge">The challenge holding the e-mailed code; null where e-mailed codes do not count.</param>
    public async Task<FactorCheck> CheckFactorAsync(Account account, MfaChallenge? challenge, string? method, string? code, CancellationToken cancellationToken)
    {
        switch (method)
        {
            case MethodTotp when account.TotpSecret is not null:
                if (Totp.Match(seeds.Reveal(account.TotpSecret, account.Id), code, clock.GetUtcNow(), account.LastTotpStep) is { } step)
                {
                    account.LastTotpStep = step;
                    return FactorCheck.Accepted;
                }
                return FactorCheck.Wrong;
            case MethodEmail when account.EmailCodeEnabled && challenge is not null:
                if (challenge.EmailCodeHash is not null && Secrets.Matches(challenge.EmailCodeHash, code))
                {
                    challenge.EmailCodeHash = null;
                    return FactorCheck.Accepted;
                }
                return FactorCheck.Wrong;
            case MethodRecovery:
                if (!string.IsNullOrWhiteSpace(code))
                {
                    var hash = Secrets.HashCode(code);
                    var unused = await db.RecoveryCodes.Where(c => c.AccountId == account.Id && c.UsedAt == null).ToListAsync(cancellationToken);
                    var match = unused.FirstOrDefault(c => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(c.CodeHash, hash));
                    if (match is not null)
                    {
                        match.UsedAt = clock.GetUtcNow().UtcDateTime;
                        return FactorCheck.Accepted;
                    }
                }
                return FactorCheck.Wrong;
            default:
                return FactorCheck.Unavailable;
        }
    }

    /// <summary>
    /// Starts an e-mailed code for changing the password inside a session and sends it. Its challenge can never become a
    /// session: sign-in looks only at <see cref="ChallengePurpose.SignIn"/> challenges.
    /// </summary>
    public async Task StartPasswordChangeCodeAsync(Account account, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var challenge = new MfaChallenge
        {
            AccountId = account.Id, Purpose = ChallengePurpose.PasswordChange, CreatedAt = now, ExpiresAt = now + ChallengeLifetime,
        };
        db.MfaChallenges.Add(challenge);
        await db.SaveChangesAsync(cancellationToken);
        await SendEmailCodeAsync(challenge.Id, cancellationToken);
    }

    /// <summary>The newest live password-change challenge of the account, whose e-mailed code the password page checks.</summary>
    public Task<MfaChallenge?> PasswordChangeChallengeAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.MfaChallenges
            .Where(c => c.AccountId == accountId && c.Purpose == ChallengePurpose.PasswordChange && c.CompletedAt == null && c.ExpiresAt > now)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    private async Task<(MfaChallenge?, Account?)> LiveChallengeAsync(Guid challengeId, CancellationToken cancellationToken, bool signInOnly = true)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var challenge = await db.MfaChallenges.FirstOrDefaultAsync(
            c => c.Id == challengeId && c.CompletedAt == null && c.ExpiresAt > now && (!signInOnly || c.Purpose == ChallengePurpose.SignIn), cancellationToken);
        if (challenge is null)
        {
            return (null, null);
        }
        return (challenge, await db.Users.FirstOrDefaultAsync(a => a.Id == challenge.AccountId, cancellationToken));
    }
}
