using Kaitiaki.Audit;
using Microsoft.AspNetCore.Identity;

namespace Kaitiaki.Accounts;

internal enum PasswordCheck
{
    Confirmed,
    Wrong,

    /// <summary>The account's lockout is on: no password is checked until it ends. The session itself carries on.</summary>
    Paused,
}

/// <summary>
/// The one place a password typed again inside a session is checked (before deleting a document, making recovery codes
/// and so on). A stolen session must not be a free password-guessing machine: each wrong password counts towards the
/// same lockout as sign-in and is audited, and once the account is locked the check refuses. The session is never
/// ended by it, which would let a guess log the owner out.
/// </summary>
internal sealed class PasswordConfirmation(UserManager<Account> users, AccessFailures failures, AuditTrail audit)
{
    public const string PausedMessage =
        "For your safety, password checks on your account are paused for 15 minutes after several wrong passwords. " +
        "You're still signed in. Please try again after 15 minutes.";

    /// <param name="purpose">What the password was asked for, for the audit trail (no personal data): "delete document".</param>
    public async Task<PasswordCheck> ConfirmAsync(Account account, string? password, string purpose, CancellationToken cancellationToken)
    {
        if (await users.IsLockedOutAsync(account))
        {
            await audit.RecordAndSaveAsync(AuditAction.PasswordConfirmationRefused, AuditOutcome.Denied, detail: $"{purpose}: account locked",
                actorAccountId: account.Id, cancellationToken: cancellationToken);
            return PasswordCheck.Paused;
        }
        if (!string.IsNullOrEmpty(password) && await users.CheckPasswordAsync(account, password))
        {
            return PasswordCheck.Confirmed;
        }
        return await failures.CountAsync(account, AuditAction.PasswordConfirmationFailed, $"{purpose}: wrong password", cancellationToken)
            ? PasswordCheck.Paused
            : PasswordCheck.Wrong;
    }
}
