using Microsoft.AspNetCore.Identity;
using Kaitiaki.Storage;

namespace Kaitiaki.Accounts;

internal enum AccountKind
{
    Patient = 1,
    Staff = 2,
    Operator = 3,
}

internal enum OperatorRole
{
    SupportAgent = 1,
    SecurityAnalyst = 2,
    IncidentManager = 3,
}

// LockoutEnd is not here: a lockout stops new sign-ins only, and no session or remembered decision depends on it.
[AccessState(Columns = [nameof(Kind), nameof(PatientId), nameof(OperatorRole), nameof(DisplayName)])]
internal sealed class Account : IdentityUser<Guid>
{
    public Account()
    {
        Id = Guid.NewGuid();
        SecurityStamp = Guid.NewGuid().ToString("N");
    }

    public AccountKind Kind { get; set; }
    public required string DisplayName { get; set; }

    /// <summary>Set for patient accounts: the patient this account belongs to.</summary>
    public Guid? PatientId { get; set; }

    /// <summary>Set for operator accounts.</summary>
    public OperatorRole? OperatorRole { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The authenticator-app seed, sealed (<see cref="TotpSeeds"/>), or null when no app is enrolled.</summary>
    public string? TotpSecret { get; set; }

    /// <summary>The last 30-second step whose code was accepted: a code is good once, and never an older one.</summary>
    public long LastTotpStep { get; set; }

    public bool EmailCodeEnabled { get; set; }

    /// <summary>
    /// Set by credential remediation: at the next sign-in the person must choose a new password and enrol a new
    /// authenticator before they get a session. Cleared when both are done.
    /// </summary>
    public DateTime? RemediationRequiredAt { get; set; }
}

internal enum SessionKind
{
    Cookie = 1,
    ApiToken = 2,
}

/// <summary>
/// Every signed-in browser and every API token is one of these rows; the cookie or token only
/// points at it, so revoking the row ends the session on its next request.
/// </summary>
[AccessState(Columns = [nameof(RevokedAt), nameof(AccountId)])]
internal sealed class AccountSession
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid AccountId { get; set; }
    public SessionKind Kind { get; set; }

    /// <summary>SHA-256 of the bearer token; the token itself is never stored.</summary>
    public byte[]? TokenHash { get; set; }

    public required string Device { get; set; }
    public string? IpAddress { get; set; }
    public required string AuthMethod { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
}

/// <summary>What a challenge's second factor unlocks. The numbers are stored: add, never renumber.</summary>
internal enum ChallengePurpose
{
    /// <summary>A right password was typed at sign-in; a right second factor makes a session.</summary>
    SignIn = 1,

    /// <summary>An e-mailed code for changing the password inside a session: never a way to sign in.</summary>
    PasswordChange = 2,
}

/// <summary>The half-way state before a right second factor: after a right password at sign-in, or inside a session.</summary>
internal sealed class MfaChallenge
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid AccountId { get; set; }

    /// <summary>Only <see cref="ChallengePurpose.SignIn"/> challenges can become a session.</summary>
    public ChallengePurpose Purpose { get; set; } = ChallengePurpose.SignIn;
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public byte[]? EmailCodeHash { get; set; }
    public DateTime? EmailCodeSentAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>
/// A forgotten-password recovery in progress: the e-mailed code (kept only as its hash), and how far the person has got.
/// A request for an address with no account makes one too, with no account and a code nobody is sent, so every step
/// answers alike whether or not the address has an account.
/// </summary>
internal sealed class PasswordRecovery
{
    public Guid Id { get; set; } = Guid.NewGuid();

    /// <summary>Null when the address typed has no account.</summary>
    public Guid? AccountId { get; set; }

    public required byte[] CodeHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>Tries at the code so far; each is counted before it is checked.</summary>
    public int CodeAttempts { get; set; }

    public DateTime? CodeConfirmedAt { get; set; }
    public DateTime? SecondFactorConfirmedAt { get; set; }

    /// <summary>Set when the password was reset, a newer request replaced this one, or the code was typed wrongly too often.</summary>
    public DateTime? EndedAt { get; set; }
}

internal sealed class RecoveryCode
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid AccountId { get; set; }
    public required byte[] CodeHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? UsedAt { get; set; }
}

internal enum InvitationKind
{
    Patient = 1,
    Staff = 2,
    Operator = 3,
}

/// <summary>
/// An invitation to join. The activation code is e-mailed and only its hash is kept. Activation
/// builds up password and MFA here and creates the account in one step at the end, so an
/// abandoned activation never leaves an account without MFA.
/// </summary>
internal sealed class Invitation
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public InvitationKind Kind { get; set; }
    public required string Email { get; set; }
    public required string DisplayName { get; set; }
    public Guid? PatientId { get; set; }
    public Guid? PracticeId { get; set; }
    public Practices.StaffRole? StaffRole { get; set; }
    public OperatorRole? OperatorRole { get; set; }
    public required byte[] CodeHash { get; set; }
    public Guid? InvitedByAccountId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    public int FailedAttempts { get; set; }

    /// <summary>Set after too many tries that did not match: until then, activation is refused without checking anything.</summary>
    public DateTime? PausedUntil { get; set; }

    /// <summary>How many times the invitation has been paused; each pause is twice as long as the one before.</summary>
    public int Pauses { get; set; }

    // Activation in progress: set after the code (and date of birth) were confirmed.
    public DateTime? VerifiedAt { get; set; }
    public string? PendingPasswordHash { get; set; }
    /// <summary>The seed being enrolled, sealed for this invitation (<see cref="TotpSeeds"/>).</summary>
    public string? PendingTotpSecret { get; set; }
    public byte[]? PendingEmailCodeHash { get; set; }
}
