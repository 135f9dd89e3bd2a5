using System.Security.Claims;

namespace Kaitiaki.Accounts;

internal static class KaitiakiClaims
{
    public const string AccountIdType = "kaitiaki:account";
    public const string SessionIdType = "kaitiaki:session";
    public const string PrimaryRole = "kaitiaki:role";

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(AccountIdType), out var id) ? id : null;

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SessionIdType), out var id) ? id : null;
}
