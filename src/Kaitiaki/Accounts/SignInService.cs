using Kaitiaki.Audit;
using Kaitiaki.Notifications;
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
    EmailSender email,
    TimeProvider clock)
{
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(10);

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
        var (challenge, account) = await LiveChallengeAsync(challengeId, cancellationToken);
        if (challenge is null || account is null || !account.EmailCodeEnabled || account.Email is null)
        {
            return false;
        }
        var code = Secrets.NewDigits(6);
        challenge.EmailCodeHash = Secrets.HashCode(code);
        challenge.EmailCodeSentAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.MfaEmailCodeSent, actorAccountId: account.Id);
        await db.SaveChangesAsync(cancellationToken);
        await email.SendAsync(account.Email, "Your Kaitiaki sign-in code",
            $"Kia ora {account.DisplayName},\n\nYour sign-in code is {code}. It works once, for the next {ChallengeLifetime.TotalMinutes:0} minutes.\n\n" +
            "If you did not try to sign in, someone may know your password: please change it, and tell your practice.\n\nKaitiaki",
            cancellationToken);
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

        var now = clock.GetUtcNow();
        var accepted = false;
        switch (method)
        {
            case MethodTotp when account.TotpSecret is not null:
                if (Totp.Match(seeds.Reveal(account.TotpSecret, account.Id), code, now, account.LastTotpStep) is { } step)
                {
                    account.LastTotpStep = step;
                    accepted = true;
                }
                break;
            case MethodEmail when account.EmailCodeEnabled:
                if (challenge.EmailCodeHash is not null && Secrets.Matches(challenge.EmailCodeHash, code))
                {
                    challenge.EmailCodeHash = null;
                    accepted = true;
                }
                break;
            case MethodRecovery:
                if (!string.IsNullOrWhiteSpace(code))
                {
                    var hash = Secrets.HashCode(code);
                    var unused = await db.RecoveryCodes.Where(c => c.AccountId == account.Id && c.UsedAt == null).ToListAsync(cancellationToken);
                    var match = unused.FirstOrDefault(c => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(c.CodeHash, hash));
                    if (match is not null)
                    {
                        match.UsedAt = now.UtcDateTime;
                        accepted = true;
                    }
                }
                break;
            default:
                return new MfaResult(MfaStatus.MethodUnavailable);
        }

        if (!accepted)
        {
            await failures.CountAsync(account, AuditAction.MfaVerify, $"wrong {method} code", cancellationToken);
            return new MfaResult(MfaStatus.WrongCode);
        }

        challenge.CompletedAt = now.UtcDateTime;
        account.AccessFailedCount = 0;
        account.LockoutEnd = null;
        audit.Record(AuditAction.MfaVerify, detail: $"{method} accepted", actorAccountId: account.Id);
        // The account row carries the last TOTP step; its concurrency stamp makes a code raced in twice fail once.
        account.ConcurrencyStamp = Guid.NewGuid().ToString();
        try
        {
            var (session, token) = await sessions.CreateAsync(account, kind, device, ip, method, cancellationToken);
            return new MfaResult(MfaStatus.Succeeded, account, session, token);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another request used this account's code (or changed the account) at the same moment: this one loses.
            return new MfaResult(MfaStatus.WrongCode);
        }
    }

    private async Task<(MfaChallenge?, Account?)> LiveChallengeAsync(Guid challengeId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var challenge = await db.MfaChallenges.FirstOrDefaultAsync(
            c => c.Id == challengeId && c.CompletedAt == null && c.ExpiresAt > now, cancellationToken);
        if (challenge is null)
        {
            return (null, null);
        }
        return (challenge, await db.Users.FirstOrDefaultAsync(a => a.Id == challenge.AccountId, cancellationToken));
    }
}
