using System.Security.Claims;

namespace Kaitiaki.Accounts;

internal static class KaitiakiClaims
{
    public const string AccountIdType = "kaitiaki:account";
    public const string SessionIdType = "kaitiaki:session";
    public const string PrimaryRole = "kaitiaki:role";

    /// <summary>The /24 or /64 network the session was made from, for noticing a session that moves.</summary>
    public const string SessionNetwork = "kaitiaki:session-network";

    /// <summary>The browser and system family the session was made from.</summary>
    public const string SessionDevice = "kaitiaki:session-device";

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(AccountIdType), out var id) ? id : null;

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionIdType), out var id) ? id : null;
}
