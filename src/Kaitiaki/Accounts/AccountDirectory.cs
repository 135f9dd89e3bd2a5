using System.Linq.Expressions;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

internal sealed record AccountRoles(IReadOnlyList<string> Roles, Guid? PatientId, IReadOnlyList<Guid> PracticeIds)
{
    public string Primary => Roles.Count > 0 ? Roles[0] : "None";
}

/// <summary>What a request needs of its session: a snapshot, never the tracked row, so it can be remembered and shared safely.</summary>
internal sealed record LiveSession(Guid Id, Guid AccountId, DateTime CreatedAt, DateTime LastSeenAt, DateTime? RevokedAt, string? IpAddress, string Device)
{
    public static LiveSession From(AccountSession s) => new(s.Id, s.AccountId, s.CreatedAt, s.LastSeenAt, s.RevokedAt, s.IpAddress, s.Device);
}

/// <summary>
/// A session with its account as the portal sees them right now: an immutable snapshot, which may be shared between
/// requests (<see cref="SessionPrincipalFactory"/>). <see cref="NextGrantExpiry"/> is when the account's proxy role may
/// lapse by itself.
/// </summary>
internal sealed record SessionHolder(LiveSession Session, string DisplayName, AccountRoles Roles, DateTime? NextGrantExpiry);

/// <summary>What an account is to the portal today: its roles come from live relationships, not stored flags.</summary>
internal sealed class AccountDirectory(KaitiakiDb db, PatientAccess access)
{
    /// <summary>
    /// The session that <paramref name="which"/> picks, its account and the account's live relationships, in one
    /// query: every request of a signed-in person asks this, so it is one round trip rather than one per table.
    /// </summary>
    public async Task<SessionHolder?> FindBySessionAsync(Expression<Func<AccountSession, bool>> which, CancellationToken cancellationToken)
    {
        var grants = access.LiveGrants();
        var memberships = access.CurrentMemberships();
        var found = await db.Sessions.AsNoTracking()
            .Where(which)
            .Join(db.Users, s => s.AccountId, a => a.Id, (s, a) => new
            {
                Session = new LiveSession(s.Id, s.AccountId, s.CreatedAt, s.LastSeenAt, s.RevokedAt, s.IpAddress, s.Device),
                a.DisplayName,
                a.Kind,
                a.PatientId,
                a.OperatorRole,
                IsProxy = a.Kind == AccountKind.Patient && grants.Any(g => g.ProxyAccountId == a.Id),
                NextGrantExpiry = grants.Where(g => g.ProxyAccountId == a.Id && g.ExpiresAt != null).Min(g => g.ExpiresAt),
                Memberships = memberships
                    .Where(m => m.AccountId == a.Id)
                    .Select(m => new Membership(m.PracticeId, m.Role))
                    .ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return found is null
            ? null
            : new SessionHolder(found.Session, found.DisplayName,
                Compose(found.Kind, found.PatientId, found.OperatorRole, found.IsProxy, found.Memberships), found.NextGrantExpiry);
    }

    private static AccountRoles Compose(AccountKind kind, Guid? patientId, OperatorRole? operatorRole, bool isProxy, List<Membership> memberships)
    {
        var roles = new List<string>();
        if (kind == AccountKind.Patient)
        {
            roles.Add(Roles.Patient);
            if (isProxy)
            {
                roles.Add(Roles.Proxy);
            }
        }
        roles.AddRange(memberships.Select(m => m.Role).Distinct().OrderBy(r => r).Select(Roles.Of));
        if (operatorRole is { } op)
        {
            roles.Add(Roles.Of(op));
        }
        return new AccountRoles(roles, patientId, memberships.Select(m => m.PracticeId).Distinct().ToList());
    }

    private sealed record Membership(Guid PracticeId, StaffRole Role);
}
