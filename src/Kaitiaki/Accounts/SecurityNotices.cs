using Kaitiaki.Notifications;
using Kaitiaki.Storage;

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
/// e-mail with one is known to be a fake. The words are the <c>security-notice-*</c> templates. Called before the
/// change is saved, the notice is saved with it; called after, it is saved on its own at once.
/// </summary>
internal sealed class SecurityNotices(KaitiakiDb db, Outbox outbox)
{
    public async Task SendAsync(Account user, SecurityNoticeKind kind, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(user.Email))
        {
            return;
        }
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "No notice is written for this kind.");
        }
        await outbox.EmailAsync($"security-notice/{kind}/{user.Id}/{Guid.CreateVersion7()}", user.Email, TemplateOf(kind),
            new Dictionary<string, string> { ["Name"] = user.DisplayName }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>"security-notice-signed-out-everywhere" for <see cref="SecurityNoticeKind.SignedOutEverywhere"/>.</summary>
    internal static string TemplateOf(SecurityNoticeKind kind) =>
        "security-notice" + string.Concat(kind.ToString().Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));
}
