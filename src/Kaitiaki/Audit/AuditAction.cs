namespace Kaitiaki.Audit;

/// <summary>
/// What an audit event records. The numbers are stored and hashed into the chain: never renumber,
/// only add.
/// </summary>
internal enum AuditAction
{
    SignIn = 1,
    MfaVerify = 2,
    MfaEmailCodeSent = 3,
    AccountLockedOut = 4,
    SignOut = 5,
    SessionRevoked = 6,
    SessionsRevokedEverywhere = 7,
    MfaEnrolled = 8,
    RecoveryCodesRegenerated = 9,
    PasskeyAdded = 10,
    PasskeyRemoved = 11,
    PasskeySignIn = 12,
    PasswordHashUpgraded = 13,
    PasswordConfirmationFailed = 14,
    PasswordConfirmationRefused = 15,

    /// <summary>A password was replaced: on the password page inside a session, or by recovery (the detail says which).</summary>
    PasswordChanged = 16,

    /// <summary>A second factor checked outside sign-in (password change, recovery): right, wrong, or refused while locked.</summary>
    SecondFactorChecked = 17,

    /// <summary>Someone asked for a recovery code: e-mailed (success), no such account (failure), or too many asked for (denied).</summary>
    PasswordRecoveryRequested = 18,

    /// <summary>An e-mailed recovery code was typed: right, wrong, or wrong too many times so the recovery ended (denied).</summary>
    PasswordRecoveryCodeChecked = 19,

    /// <summary>A support agent signed someone else's account out everywhere; the event names that account as its resource.</summary>
    SessionsRevokedBySupport = 24,

    InvitationCreated = 20,
    InvitationActivated = 21,
    InvitationCodeChecked = 22,
    InvitationPaused = 23,

    PracticeCreated = 30,
    PracticeLeft = 31,
    PatientCreated = 32,
    EnrolmentStarted = 33,
    EnrolmentEnded = 34,
    StaffMembershipAdded = 35,
    ProxyGrantCreated = 36,
    OperatorCreated = 37,
    EnrolmentTransferRequested = 38,
    EnrolmentTransferAccepted = 39,
    EnrolmentTransferDeclined = 40,
    EnrolmentTransferRefused = 41,

    AccessLogViewed = 50,
    PatientListViewed = 51,
    PatientDetailsViewed = 52,
    AuditTrailViewed = 53,
    SessionListViewed = 54,

    /// <summary>A support agent looked up an account's sign-in security status; the event names the account, never the e-mail typed.</summary>
    AccountSecurityLookedUp = 55,

    AuditVerified = 60,
    AuditExported = 61,
    DemoDataSeeded = 62,

    DocumentListed = 70,
    DocumentMetadataViewed = 71,
    DocumentDownloaded = 72,
    DocumentPreviewed = 73,
    DocumentUploaded = 74,
    DocumentDeleted = 75,
    DocumentHidden = 76,
    DocumentShredded = 77,
    DocumentAccessDenied = 78,
    DocumentUploadRejected = 79,
    MasterKeyRotated = 80,
    DocumentsVerified = 81,
    DocumentUnhidden = 82,

    /// <summary>The detector (or an analyst) raised an alert; the event names the alert as its resource and the rule in its detail.</summary>
    SecurityAlertRaised = 100,

    /// <summary>A containment action was taken, by a rule or an analyst; the detail names the kind and the reason, the items the evidence.</summary>
    ContainmentApplied = 101,

    /// <summary>A containment action was undone, by an analyst or (a step-up) by the person proving their second factor.</summary>
    ContainmentUndone = 102,

    /// <summary>The security team planted a decoy patient with decoy documents at a practice.</summary>
    CanaryPlanted = 103,

    /// <summary>An analyst asked for an account's credentials to be remediated: sessions ended, new password and authenticator needed.</summary>
    CredentialsRemediated = 105,

    /// <summary>A remediated account chose a new password and enrolled a new authenticator at sign-in.</summary>
    RemediationCompleted = 106,

    /// <summary>A security analyst read alerts, actions or switches (console or API).</summary>
    SecurityConsoleViewed = 107,

    /// <summary>An analyst started remediating a batch of accounts from the console; the items are the accounts' ids.</summary>
    RemediationBatchStarted = 108,

    /// <summary>An incident manager opened an incident, by hand or from an alert; the event names the incident.</summary>
    IncidentOpened = 110,

    /// <summary>An incident's details, harm assessment, timeline or agencies were changed; the detail says which.</summary>
    IncidentUpdated = 111,

    /// <summary>An incident manager read an incident, its scope versions or a comparison.</summary>
    IncidentViewed = 112,

    /// <summary>A scope ran over the audit trail and made a new version; the event names the version, the detail its counts.</summary>
    ScopeRun = 113,

    /// <summary>A scope version was frozen: from now on it never changes.</summary>
    ScopeFrozen = 114,

    /// <summary>The patients of a scope version were listed or exported; the items are the patients shown.</summary>
    ScopePatientsListed = 115,

    /// <summary>A practice's privacy officer or administrator read their slice of an incident; the items are the patients shown.</summary>
    PracticeIncidentViewed = 116,

    /// <summary>A practice flagged or unflagged a vulnerable patient, or approved a scope version.</summary>
    PracticeReviewRecorded = 117,

    /// <summary>A patient or proxy read a person's security status (banner, security page or API).</summary>
    SecurityStatusViewed = 118,

    /// <summary>A support agent looked a patient up by NHI, date of birth and family name: found (success) or no match (failure).</summary>
    HelplineLookup = 119,

    /// <summary>A support agent logged a helpline call about a patient.</summary>
    HelplineCallLogged = 120,

    /// <summary>A support agent checked the verification phrase a caller read out: matches (success) or not (failure). The phrase is never recorded.</summary>
    HelplinePhraseChecked = 125,

    ReadRefusedByGuard = 90,
    RequestRateLimited = 91,
    AntiforgeryRejected = 92,
}

internal enum AuditOutcome
{
    Success = 0,
    Failure = 4,
    Denied = 8,
}
