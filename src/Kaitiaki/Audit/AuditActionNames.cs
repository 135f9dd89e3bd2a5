namespace Kaitiaki.Audit;

/// <summary>
/// Every audit action in words, for the operators who read the whole trail. Patients read their own slice in
/// <see cref="AccessLog.Describe"/>, worded for them; these words are for the security team, so they name the step.
/// </summary>
internal static class AuditActionNames
{
    // Every named action has an arm, so a new action without words fails the build (CS8509); only a number that is no
    // action at all reaches the last arm, and the compiler's warning for that case (CS8524) is the one switched off.
#pragma warning disable CS8524
    public static string Describe(AuditAction action) => action switch
    {
        AuditAction.SignIn => "Signed in with a password",
        AuditAction.MfaVerify => "Confirmed a second factor",
        AuditAction.MfaEmailCodeSent => "Was e-mailed a sign-in code",
        AuditAction.AccountLockedOut => "Sign-in paused after too many failed attempts",
        AuditAction.SignOut => "Signed out",
        AuditAction.SessionRevoked => "Signed one session out",
        AuditAction.SessionsRevokedEverywhere => "Signed out everywhere",
        AuditAction.MfaEnrolled => "Changed a second factor",
        AuditAction.RecoveryCodesRegenerated => "Made new recovery codes",
        AuditAction.PasskeyAdded => "Added a passkey",
        AuditAction.PasskeyRemoved => "Removed a passkey",
        AuditAction.PasskeySignIn => "Signed in with a passkey",
        AuditAction.PasswordHashUpgraded => "Password hash upgraded at sign-in",
        AuditAction.SessionsRevokedBySupport => "Support signed an account out everywhere",
        AuditAction.PasswordConfirmationFailed => "Typed a wrong password when asked for it again",
        AuditAction.PasswordConfirmationRefused => "Was asked for their password again while sign-in was paused",
        AuditAction.PasswordChanged => "Changed their password",
        AuditAction.SecondFactorChecked => "Gave a second factor outside sign-in",
        AuditAction.PasswordRecoveryRequested => "Asked for a password recovery code",
        AuditAction.PasswordRecoveryCodeChecked => "Typed a password recovery code",

        AuditAction.InvitationCreated => "Sent an invitation",
        AuditAction.InvitationActivated => "Activated an invitation",
        AuditAction.InvitationCodeChecked => "Checked an activation code",
        AuditAction.InvitationPaused => "Invitation paused after too many failed attempts",

        AuditAction.PracticeCreated => "Added a practice",
        AuditAction.PracticeLeft => "Practice left Kaitiaki",
        AuditAction.PatientCreated => "Registered a patient",
        AuditAction.EnrolmentStarted => "Started an enrolment",
        AuditAction.EnrolmentEnded => "Ended an enrolment",
        AuditAction.StaffMembershipAdded => "Added a staff member to a practice",
        AuditAction.ProxyGrantCreated => "Gave someone proxy access",
        AuditAction.OperatorCreated => "Added an operator",
        AuditAction.EnrolmentTransferRequested => "Asked to move a patient's enrolment",
        AuditAction.EnrolmentTransferAccepted => "Moved a patient's enrolment, as agreed",
        AuditAction.EnrolmentTransferDeclined => "Patient declined an enrolment move",
        AuditAction.EnrolmentTransferRefused => "Enrolment move refused (details or code did not match)",

        AuditAction.AccessLogViewed => "Viewed a patient's access log",
        AuditAction.PatientListViewed => "Saw a patient in a practice's patient list",
        AuditAction.PatientDetailsViewed => "Viewed a patient's details",
        AuditAction.AuditTrailViewed => "Searched the audit trail",
        AuditAction.SessionListViewed => "Viewed a list of sessions",
        AuditAction.AccountSecurityLookedUp => "Support looked up an account's sign-in security",

        AuditAction.AuditVerified => "Verified the audit trail",
        AuditAction.AuditExported => "Exported the audit trail",
        AuditAction.DemoDataSeeded => "Added the demo data",

        AuditAction.DocumentListed => "Listed a patient's documents",
        AuditAction.DocumentMetadataViewed => "Viewed a document's details",
        AuditAction.DocumentDownloaded => "Downloaded a document",
        AuditAction.DocumentPreviewed => "Opened a document in the browser",
        AuditAction.DocumentUploaded => "Added a document",
        AuditAction.DocumentDeleted => "Deleted a document",
        AuditAction.DocumentHidden => "Hid a document",
        AuditAction.DocumentShredded => "Destroyed a document for good (key erased)",
        AuditAction.DocumentAccessDenied => "Asked for a document and was refused",
        AuditAction.DocumentUploadRejected => "Upload turned down",
        AuditAction.MasterKeyRotated => "Rotated the master key",
        AuditAction.DocumentsVerified => "Verified the stored documents",
        AuditAction.DocumentUnhidden => "Showed a hidden document again",

        AuditAction.SecurityAlertRaised => "Raised a security alert",
        AuditAction.ContainmentApplied => "Took a containment action",
        AuditAction.ContainmentUndone => "Undid a containment action",
        AuditAction.CanaryPlanted => "Planted a decoy patient",
        AuditAction.CredentialsRemediated => "Ended an account's sessions and asked for a new password and authenticator",
        AuditAction.RemediationCompleted => "Chose a new password and authenticator after remediation",
        AuditAction.SecurityConsoleViewed => "Looked at security alerts, actions or switches",
        AuditAction.RemediationBatchStarted => "Started remediating a batch of accounts' credentials",
        AuditAction.IncidentOpened => "Opened a breach incident",
        AuditAction.IncidentUpdated => "Updated a breach incident",
        AuditAction.IncidentViewed => "Looked at a breach incident",
        AuditAction.ScopeRun => "Ran a breach scope over the audit trail",
        AuditAction.ScopeFrozen => "Froze a breach scope version",
        AuditAction.ScopePatientsListed => "Listed the patients of a breach scope",
        AuditAction.PracticeIncidentViewed => "Looked at a practice's patients in a breach incident",
        AuditAction.PracticeReviewRecorded => "Recorded a practice's review of a breach incident",
        AuditAction.SecurityStatusViewed => "Looked at a security status",
        AuditAction.HelplineLookup => "Looked a patient up on the helpline",
        AuditAction.HelplineCallLogged => "Logged a helpline call",
        AuditAction.HelplinePhraseChecked => "Checked a caller's verification phrase on the helpline",

        AuditAction.ReadRefusedByGuard => "Read stopped by a safeguard",
        AuditAction.RequestRateLimited => "Refused: too many requests",
        AuditAction.AntiforgeryRejected => "Refused: a form without a valid page token",
    };
#pragma warning restore CS8524

    public static string Describe(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Success => "Succeeded",
        AuditOutcome.Failure => "Failed",
        AuditOutcome.Denied => "Refused",
        _ => "Unknown",
    };
}
