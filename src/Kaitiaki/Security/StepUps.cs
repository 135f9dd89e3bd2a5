using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal enum StepUpResult
{
    Done,
    Wrong,
    NotNeeded,
}

/// <summary>
/// A session asked for its second factor again (<see cref="ContainmentKind.StepUp"/>) gives it here: an authenticator
/// code or a recovery code, never an e-mailed one. A right code undoes the step-up; a wrong one counts towards the
/// account's lockout like any other.
/// </summary>
internal sealed class StepUps(
    KaitiakiDb db, UserManager<Account> users, SignInService signIn, AccessFailures failures, Containment containment)
{
    public static readonly string[] Methods = [SignInService.MethodTotp, SignInService.MethodRecovery];

    public async Task<StepUpResult> GiveAsync(Guid accountId, Guid sessionId, string? method, string? code, CancellationToken cancellationToken)
    {
        var held = await db.ContainmentActions.AsNoTracking()
            .Where(a => a.Kind == ContainmentKind.StepUp && a.SessionId == sessionId && a.UndoneAt == null)
            .Select(a => a.Id).ToListAsync(cancellationToken);
        if (held.Count == 0)
        {
            return StepUpResult.NotNeeded;
        }
        var account = await db.Users.FirstAsync(a => a.Id == accountId, cancellationToken);
        var check = await users.IsLockedOutAsync(account) || !Methods.Contains(method)
            ? FactorCheck.Wrong
            : await signIn.CheckFactorAsync(account, null, method, code, cancellationToken);
        if (check != FactorCheck.Accepted)
        {
            await failures.CountAsync(account, AuditAction.SecondFactorChecked, "wrong code when asked again", cancellationToken);
            return StepUpResult.Wrong;
        }
        // The code is used up with the step it unlocked.
        await db.SaveChangesAsync(cancellationToken);
        foreach (var id in held)
        {
            await containment.UndoAsync(id, accountId, "second factor given again", cancellationToken);
        }
        return StepUpResult.Done;
    }
}
