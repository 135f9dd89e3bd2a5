using Kaitiaki.Notifications;

namespace Kaitiaki.Accounts;

/// <summary>What happened to an account that its owner should hear about. Add kinds at the end.</summary>
internal enum SecurityNoticeKind
{
    SignInPaused = 1,
    MfaMethodAdded = 2,
    PasskeyAdded = 3,
    RecoveryCodesReplaced = 4,
    SignedOutEverywhere = 5,
    PasswordChanged = 6,
    SignedOutBySupport = 7,

    /// <summary>The security team asked for the account's sign-in details to be renewed, and signed it out everywhere.</summary>
    RenewalRequired = 8,

    /// <summary>A new password and a new authenticator app were set up after the security team asked for them.</summary>
    Renewed = 9,
}

/// <summary>
/// Tells an account's owner, by e-mail, that something about their account's security changed, so that a change they
/// did not make does not go unnoticed. Notices carry no links: the portal never e-mails a link to sign in, so that an
/// e-mail with one is known to be a fake. Call after the change is committed; the mail leaves through the queue.
/// </summary>
internal sealed class SecurityNotices(EmailQueue queue)
{
    public Task SendAsync(Account user, SecurityNoticeKind kind, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(user.Email))
        {
            return Task.CompletedTask;
        }
        var (subject, what) = Describe(kind);
        // The security team's request is not something the person did, so "if this was you" would not make sense.
        var next = kind == SecurityNoticeKind.RenewalRequired ? WhenRenewing : IfItWasNotYou;
        queue.Enqueue([new OutgoingEmail(user.Email, subject, $"Kia ora {user.DisplayName},\n\n{what}\n\n{next}\n\nKaitiaki")]);
        return Task.CompletedTask;
    }

    private const string IfItWasNotYou =
        "If this was you, there is nothing more to do.\n\n" +
        "If it wasn't you, please open the Kaitiaki portal yourself (type the address your practice gave you; do not follow " +
        "links in e-mails), sign in, and look at your account security page. You can also phone your practice for help.";

    private const string WhenRenewing =
        "You don't need to do anything before then. When you're ready, open the Kaitiaki portal yourself (type the address your " +
        "practice gave you; do not follow links in e-mails) and sign in as usual. If you have any questions, please phone your " +
        "practice or the Kaitiaki helpline.";

    private static (string Subject, string What) Describe(SecurityNoticeKind kind) => kind switch
    {
        SecurityNoticeKind.SignInPaused => ("Sign-in to your Kaitiaki account is paused",
            "Someone typed the wrong password for your Kaitiaki account several times, so we have paused signing in to it for 15 minutes. " +
            "Anywhere you are already signed in keeps working, and after 15 minutes you can sign in as usual."),
        SecurityNoticeKind.MfaMethodAdded => ("A new way to confirm it's you was added",
            "A new way to confirm it's you when you sign in was added to your Kaitiaki account."),
        SecurityNoticeKind.PasskeyAdded => ("A new passkey was added to your Kaitiaki account",
            "A new passkey was added to your Kaitiaki account. It can be used to sign in instead of your password and code."),
        SecurityNoticeKind.RecoveryCodesReplaced => ("Your Kaitiaki recovery codes were replaced",
            "New recovery codes were made for your Kaitiaki account, and the old ones no longer work."),
        SecurityNoticeKind.SignedOutEverywhere => ("You were signed out of Kaitiaki everywhere",
            "Your Kaitiaki account was signed out on every device, using \"Sign out everywhere\"."),
        SecurityNoticeKind.PasswordChanged => ("Your Kaitiaki password was changed",
            "The password for your Kaitiaki account was changed."),
        SecurityNoticeKind.SignedOutBySupport => ("You were signed out of Kaitiaki everywhere",
            "Kaitiaki support signed your account out on every device, after checking who they were talking to."),
        SecurityNoticeKind.RenewalRequired => ("Your Kaitiaki sign-in details need renewing",
            "To keep your account safe, our security team has signed your Kaitiaki account out on every device and asked for your " +
            "sign-in details to be renewed. The next time you sign in, you'll be asked to choose a new password and to set up your " +
            "authenticator app again. After that, your old password, authenticator codes, recovery codes and passkeys will no longer work."),
        SecurityNoticeKind.Renewed => ("Your new Kaitiaki sign-in details are set up",
            "A new password and a new authenticator app were set up for your Kaitiaki account, as our security team asked, and new " +
            "recovery codes were made. Your old password, authenticator codes, recovery codes and passkeys no longer work."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No notice is written for this kind."),
    };
}
