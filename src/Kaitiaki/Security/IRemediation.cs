namespace Kaitiaki.Security;

/// <summary>
/// Credential remediation of one account: its sessions end, and at its next sign-in it must choose a new password and
/// enrol a new authenticator. The service records each step on the audit trail itself. The console's batches run
/// against this; when no implementation is registered, the console says remediation isn't available.
/// </summary>
internal interface IRemediation { Task<RemediationOutcome> RemediateAsync(Guid accountId, CancellationToken cancellationToken); }

internal enum RemediationOutcome { Remediated, AlreadyPending, NotFound }
