using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

public sealed record AccountRoles(IReadOnlyList<string> Roles, Guid? PatientId, IReadOnlyList<Guid> PracticeIds)
{
    public string Primary => Roles.Count > 0 ? Roles[0] : "None";
}

/// <summary>What an account is to the portal today: its roles come from live relationships, not stored flags.</summary>
public sealed class AccountDirectory(KaitiakiDb db, TimeProvider clock)
{
    public async Task<AccountRoles> GetRolesAsync(Account account, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var roles = new List<string>();
        if (account.Kind == AccountKind.Patient)
        {
            roles.Add(Roles.Patient);
            var isProxy = await db.ProxyGrants.AnyAsync(
                g => g.ProxyAccountId == account.Id && g.RevokedAt == null && (g.ExpiresAt == null || g.ExpiresAt > now),
                cancellationToken);
            if (isProxy)
            {
                roles.Add(Roles.Proxy);
            }
        }
        var memberships = await db.StaffMemberships.AsNoTracking()
            .Where(m => m.AccountId == account.Id && m.EndedAt == null)
            .Select(m => new { m.PracticeId, m.Role })
            .ToListAsync(cancellationToken);
        roles.AddRange(memberships.Select(m => m.Role).Distinct().OrderBy(r => r).Select(Roles.Of));
        if (account.OperatorRole is { } op)
        {
            roles.Add(Roles.Of(op));
        }
        return new AccountRoles(roles, account.PatientId, memberships.Select(m => m.PracticeId).Distinct().ToList());
    }
}
