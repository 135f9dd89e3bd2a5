using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

/// <summary>
/// Identity's store for accounts, saving only the columns that changed. Identity's own update marks every column of the
/// account as changed, which made each failed sign-in look like a change of access: the access revision moved, and
/// every remembered decision in the portal had to be made again (architecture, section 3.4). Anyone who knew an email
/// address could keep them from ever being used.
/// </summary>
internal sealed class AccountStore(KaitiakiDb context, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<Account, KaitiakiDb, Guid>(context, describer)
{
    public override async Task<IdentityResult> UpdateAsync(Account user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfDisposed();
        if (Context.Entry(user).State is not (EntityState.Unchanged or EntityState.Modified))
        {
            // Not read through this context (or being added or deleted), so what changed is unknown: Identity's way writes
            // every column, and counts as a change of access.
            return await base.UpdateAsync(user, cancellationToken);
        }
        // An account read without tracking and then attached would look unchanged here and nothing would be written:
        // change a tracked account, or pass the untracked one as it is.
        cancellationToken.ThrowIfCancellationRequested();
        // Read through this context: change tracking knows which columns changed, and the concurrency stamp still guards
        // the write as Identity's own update does.
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
        try
        {
            await SaveChanges(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return IdentityResult.Failed(ErrorDescriber.ConcurrencyFailure());
        }
        return IdentityResult.Success;
    }
}
