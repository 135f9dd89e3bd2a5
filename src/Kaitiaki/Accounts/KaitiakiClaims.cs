using System.Security.Claims;

namespace Kaitiaki.Accounts;

public static class KaitiakiClaims
{
    public const string AccountIdType = "kaitiaki:account";
    public const string SessionIdType = "kaitiaki:session";
    public const string PrimaryRole = "kaitiaki:role";

    /// <summary>Present when the principal was remembered rather than read afresh: the access revision it holds at.</summary>
    public const string AccessRevisionType = "kaitiaki:access-revision";

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(AccountIdType), out var id) ? id : null;

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionIdType), out var id) ? id : null;

    public static long? AccessRevision(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AccessRevisionType), System.Globalization.CultureInfo.InvariantCulture, out var revision) ? revision : null;
}
