using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>What stands between an account and a new session: a suspension by the security team.</summary>
internal sealed class AccountHolds(KaitiakiDb db)
{
    /// <summary>Whether the account is suspended now. Asked after a right password and second factor, before a session is made.</summary>
    public Task<bool> IsSuspendedAsync(Guid accountId, CancellationToken cancellationToken) =>
        db.ContainmentActions.AnyAsync(a => a.Kind == ContainmentKind.SuspendAccount && a.AccountId == accountId && a.UndoneAt == null, cancellationToken);
}
