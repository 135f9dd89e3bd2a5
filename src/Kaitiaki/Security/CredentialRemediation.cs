using System.Security.Cryptography;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal enum RemediationStatus
{
    /// <summary>The account now needs a new password and authenticator before its next session.</summary>
    RemediationRequired,

    /// <summary>It needed them already; any sessions made since were ended all the same.</summary>
    AlreadyPending,

    /// <summary>There is no such account; nothing was changed.</summary>
    NotFound,
}

internal sealed record RemediationResult(RemediationStatus Status, int SessionsEnded);

/// <summary>
/// How far a renewal has got, carried between the renewal page's steps in a cookie protected with Data Protection. It is
/// made only after a right password and a right second factor, holds the new authenticator seed sealed for the account
/// (<see cref="TotpSeeds"/>), and is good only while the account's security stamp is the one it was made with: a new
/// password, or the security team remediating again, ends it. Nothing is written to the account until the last step.
/// </summary>
internal sealed record RenewalTicket(Guid AccountId, string Stamp, string SealedSeed, long? ConfirmedStep, DateTimeOffset ExpiresAt);

internal enum RenewalStatus
{
    Renewed,

    /// <summary>Identity's password rules refused the new password; nothing was changed.</summary>
    PasswordRefused,

    /// <summary>The account was suspended while the person was renewing: no session.</summary>
    AccountSuspended,

    /// <summary>The ticket no longer holds (or another request finished it at the same moment): sign in again.</summary>
    Ended,
}

internal sealed record RenewalOutcome(
    RenewalStatus Status, IReadOnlyList<string> Problems, AccountSession? Session = null, IReadOnlyList<string>? RecoveryCodes = null);

/// <summary>
/// Credential remediation, for an account whose sign-in details the security team believes someone else may hold. The
/// analyst's side ends every session and marks the account; the person's side, at their next sign-in after a right
/// password and second factor, replaces the password, the authenticator seed, the recovery codes and the passkeys in one
/// transaction, and only then makes a session.
/// </summary>
internal sealed class CredentialRemediation(
    KaitiakiDb db,
    UserManager<Account> users,
    SessionStore sessions,
    PasswordChanges passwords,
    InvitationService invitations,
    TotpSeeds seeds,
    AccountHolds holds,
    AuditTrail audit,
    SecurityNotices notices,
    IDataProtectionProvider protection,
    TimeProvider clock) : IRemediation
{
    /// <summary>The console's batches see only the outcome.</summary>
    async Task<RemediationOutcome> IRemediation.RemediateAsync(Guid accountId, CancellationToken cancellationToken) =>
        (await RemediateAsync(accountId, cancellationToken)).Status switch
        {
            RemediationStatus.RemediationRequired => RemediationOutcome.Remediated,
            RemediationStatus.AlreadyPending => RemediationOutcome.AlreadyPending,
            _ => RemediationOutcome.NotFound,
        };

    /// <summary>How long the renewal steps may take once the second factor was accepted: long enough to install an app.</summary>
    public static readonly TimeSpan RenewalLifetime = TimeSpan.FromMinutes(20);

    private const int SaveAttempts = 3;

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Kaitiaki.CredentialRenewal").ToTimeLimitedDataProtector();

    /// <summary>
    /// For a security analyst: ends every session of the account and requires new sign-in details at its next sign-in,
    /// recorded as <see cref="AuditAction.CredentialsRemediated"/> (the analyst the actor, the account the resource) in the
    /// same save. The owner is e-mailed the first time.
    /// </summary>
    public async Task<RemediationResult> RemediateAsync(Guid accountId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var account = await db.Users.FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
            if (account is null)
            {
                await audit.RecordStandaloneAsync(AuditAction.CredentialsRemediated, AuditOutcome.Failure, resourceType: "Account", resourceId: accountId,
                    detail: "no such account");
                return new RemediationResult(RemediationStatus.NotFound, 0);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var alreadyPending = account.RemediationRequiredAt is not null;
            account.RemediationRequiredAt ??= now;
            // A new security stamp ends a renewal already under way; a new concurrency stamp makes a sign-in finishing at
            // this very moment fail instead of leaving with a session that this save did not see.
            account.SecurityStamp = Guid.NewGuid().ToString("N");
            account.ConcurrencyStamp = Guid.NewGuid().ToString();
            var ended = await sessions.MarkAllRevokedAsync(accountId, "credentials remediated by the security team", cancellationToken);
            // A sign-in half-done with the old details has to start again.
            var open = await db.MfaChallenges.Where(c => c.AccountId == accountId && c.CompletedAt == null && c.ExpiresAt > now).ToListAsync(cancellationToken);
            open.ForEach(c => c.ExpiresAt = now);
            audit.Record(AuditAction.CredentialsRemediated, resourceType: "Account", resourceId: accountId,
                detail: alreadyPending ? $"{ended} sessions; already pending" : $"{ended} sessions");
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < SaveAttempts)
            {
                // The account changed meanwhile (a sign-in, a failed attempt): read it again and do it all again.
                db.ChangeTracker.Clear();
                continue;
            }
            if (!alreadyPending)
            {
                await notices.SendAsync(account, SecurityNoticeKind.RenewalRequired, cancellationToken);
            }
            return new RemediationResult(alreadyPending ? RemediationStatus.AlreadyPending : RemediationStatus.RemediationRequired, ended);
        }
    }

    /// <summary>
    /// Starts the renewal for an account whose owner has just given a right password and second factor at sign-in
    /// (<see cref="MfaStatus.RenewalRequired"/>): a new authenticator seed, sealed for the account, in a protected ticket.
    /// </summary>
    public async Task<string> BeginRenewalAsync(Account account, CancellationToken cancellationToken)
    {
        var sealedSeed = await seeds.SealAsync(Totp.NewSecret(), account.Id, cancellationToken);
        return Protect(new RenewalTicket(account.Id, account.SecurityStamp ?? "", sealedSeed, null, clock.GetUtcNow() + RenewalLifetime));
    }

    /// <summary>The ticket and its account, while the renewal still holds; null when it has expired, was altered or was ended.</summary>
    public async Task<(RenewalTicket Ticket, Account Account)?> FindRenewalAsync(string? protectedTicket, CancellationToken cancellationToken)
    {
        if (Unprotect(protectedTicket) is not { } ticket)
        {
            return null;
        }
        var account = await db.Users.FirstOrDefaultAsync(a => a.Id == ticket.AccountId, cancellationToken);
        return account is { RemediationRequiredAt: not null } && account.SecurityStamp == ticket.Stamp ? (ticket, account) : null;
    }

    /// <summary>The new seed in base32, for the page to show as a QR code and a key.</summary>
    public string RevealSeed(RenewalTicket ticket) => seeds.Reveal(ticket.SealedSeed, ticket.AccountId);

    /// <summary>
    /// Checks a code from the new authenticator. Right, it returns the ticket again with the step that was accepted; wrong,
    /// null. A wrong code is not a guess at anything secret (the person was just shown the seed), so it is not counted.
    /// </summary>
    public string? ConfirmAuthenticator(RenewalTicket ticket, string? code) =>
        Totp.Match(RevealSeed(ticket), code, clock.GetUtcNow(), 0) is { } step ? Protect(ticket with { ConfirmedStep = step }) : null;

    /// <summary>
    /// The last step: the new password (Identity's rules), the confirmed new seed and ten new recovery codes replace the
    /// old ones, every passkey is removed, anything left open with the old details is ended, the account no longer needs
    /// remediation, <see cref="AuditAction.RemediationCompleted"/> is recorded, and then a browser session is made, all in
    /// one transaction. The owner is e-mailed after the commit.
    /// </summary>
    public async Task<RenewalOutcome> CompleteRenewalAsync(RenewalTicket ticket, string newPassword, string device, string? ip, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var account = await db.Users.FirstOrDefaultAsync(a => a.Id == ticket.AccountId, cancellationToken);
        if (account is not { RemediationRequiredAt: not null } || account.SecurityStamp != ticket.Stamp || ticket.ConfirmedStep is not { } step)
        {
            return new RenewalOutcome(RenewalStatus.Ended, []);
        }
        var problems = await passwords.ProblemsAsync(account, newPassword);
        // The old password is one of the details the security team believes someone else may know.
        if (account.PasswordHash is not null
            && users.PasswordHasher.VerifyHashedPassword(account, account.PasswordHash, newPassword) != PasswordVerificationResult.Failed)
        {
            problems = [.. problems, "It must not be the password you had before."];
        }
        if (problems.Count > 0)
        {
            return new RenewalOutcome(RenewalStatus.PasswordRefused, problems);
        }
        if (await holds.IsSuspendedAsync(account.Id, cancellationToken))
        {
            await audit.RecordAndSaveAsync(AuditAction.RemediationCompleted, AuditOutcome.Denied, resourceType: "Account", resourceId: account.Id,
                detail: "account suspended", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return new RenewalOutcome(RenewalStatus.AccountSuspended, []);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        account.TotpSecret = ticket.SealedSeed;
        account.LastTotpStep = step;
        account.RemediationRequiredAt = null;
        account.AccessFailedCount = 0;
        account.LockoutEnd = null;
        var codes = invitations.AddRecoveryCodes(account.Id);
        var passkeys = await db.UserPasskeys.Where(p => p.UserId == account.Id).ToListAsync(cancellationToken);
        db.UserPasskeys.RemoveRange(passkeys);
        var open = await db.MfaChallenges.Where(c => c.AccountId == account.Id && c.CompletedAt == null && c.ExpiresAt > now).ToListAsync(cancellationToken);
        open.ForEach(c => c.ExpiresAt = now);
        var recoveries = await db.PasswordRecoveries.Where(r => r.AccountId == account.Id && r.EndedAt == null).ToListAsync(cancellationToken);
        recoveries.ForEach(r => r.EndedAt = now);
        await sessions.MarkAllRevokedAsync(account.Id, "credentials renewed", cancellationToken);
        audit.Record(AuditAction.RemediationCompleted, resourceType: "Account", resourceId: account.Id,
            detail: $"new password, authenticator and recovery codes; {passkeys.Count} passkeys removed", actorAccountId: account.Id);
        // Identity's own calls, as for any new password: its rules and hash, and the stamp moves, so this ticket is spent.
        // They save everything above with them; another request that changed the account first makes them fail.
        if (!(await users.RemovePasswordAsync(account)).Succeeded || !(await users.AddPasswordAsync(account, newPassword)).Succeeded)
        {
            return new RenewalOutcome(RenewalStatus.Ended, []);
        }
        var (session, _) = await sessions.CreateAsync(account, SessionKind.Cookie, device, ip, "renewal", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await notices.SendAsync(account, SecurityNoticeKind.Renewed, cancellationToken);
        return new RenewalOutcome(RenewalStatus.Renewed, [], session, codes);
    }

    /// <summary>The ticket protected for its cookie, good until the ticket's own expiry however often it is issued again.</summary>
    public string Protect(RenewalTicket ticket) => _protector.Protect(JsonSerializer.Serialize(ticket), ticket.ExpiresAt);

    private RenewalTicket? Unprotect(string? protectedTicket)
    {
        if (string.IsNullOrEmpty(protectedTicket))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<RenewalTicket>(_protector.Unprotect(protectedTicket));
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
