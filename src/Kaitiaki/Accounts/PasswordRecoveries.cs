using Kaitiaki.Audit;
using Kaitiaki.Notifications;
using Kaitiaki.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Accounts;

internal enum RecoveryStep
{
    Code,
    SecondFactor,
    NewPassword,
}

internal enum RecoveryCheck
{
    Accepted,
    Wrong,

    /// <summary>The recovery is over (replaced, expired, or too many wrong codes): ask for a new code.</summary>
    Ended,

    /// <summary>The account's lockout is on: no second factor is checked until it ends.</summary>
    Paused,

    /// <summary>The account has no such method here: nothing was checked or counted.</summary>
    Unavailable,
}

/// <summary>
/// A forgotten password, recovered in four steps: the e-mail address; the code e-mailed to it; a second factor that is
/// not the mailbox (an authenticator code or a recovery code); the new password. The mailbox alone never resets a
/// password, so someone who has broken into a person's e-mail still cannot take their Kaitiaki account, and a recovery
/// never gives more second-factor guesses than signing in does: the same lockout counts them and stops them.
/// </summary>
internal sealed class PasswordRecoveries(
    KaitiakiDb db,
    UserManager<Account> users,
    SignInService signIn,
    AccessFailures failures,
    PasswordChanges changes,
    AuditTrail audit,
    Outbox outbox,
    TimeProvider clock)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(15);
    public const int MaxCodeAttempts = 5;

    /// <summary>Codes e-mailed to one account in an hour; more requests are answered alike but send nothing.</summary>
    public const int MaxRequestsPerHour = 5;

    private const string Resource = "PasswordRecovery";

    /// <summary>
    /// Step 1. Returns the id of the recovery for the page's cookie, whatever the address. An unknown address gets a
    /// recovery too, with a code nobody is sent; the work is the same (a code made and hashed, the same queries, one row
    /// and one event saved) and the e-mail leaves later through the queue, so the answer takes as long either way.
    /// </summary>
    /// <param name="current">The recovery this browser already holds, if any: past the hourly limit, only that one goes on.</param>
    public async Task<Guid> RequestAsync(string? emailAddress, Guid? current, CancellationToken cancellationToken)
    {
        var address = (emailAddress ?? "").Trim();
        var account = address.Length == 0 ? null : await users.FindByEmailAsync(address);
        var now = clock.GetUtcNow().UtcDateTime;
        var code = Secrets.NewDigits(8);
        var recovery = new PasswordRecovery { CodeHash = Secrets.HashCode(code), CreatedAt = now, ExpiresAt = now + CodeLifetime };
        // An id that matches nothing stands in for an unknown address, so the query is the same.
        var key = account?.Id ?? Guid.NewGuid();
        var hourAgo = now - TimeSpan.FromHours(1);
        var recent = await db.PasswordRecoveries.Where(r => r.AccountId == key && r.CreatedAt > hourAgo).ToListAsync(cancellationToken);
        db.PasswordRecoveries.Add(recovery);
        if (account?.Email is null)
        {
            audit.Record(AuditAction.PasswordRecoveryRequested, AuditOutcome.Failure, resourceType: Resource, resourceId: recovery.Id,
                detail: "no account for the address typed; nothing sent");
            await db.SaveChangesAsync(cancellationToken);
            return recovery.Id;
        }
        if (recent.Count >= MaxRequestsPerHour)
        {
            // Nothing more is sent, and the newest code still works: the person may just be impatient for the e-mail.
            audit.Record(AuditAction.PasswordRecoveryRequested, AuditOutcome.Denied, resourceType: Resource, resourceId: recovery.Id,
                detail: $"more than {MaxRequestsPerHour} requests in an hour; nothing sent", actorAccountId: account.Id);
            await db.SaveChangesAsync(cancellationToken);
            // The browser that asked before keeps its own recovery (the person may just be impatient for the e-mail).
            // Any other browser gets the new row, which has no account, exactly as for an unknown address: handing it
            // someone else's recovery would let it share a reset that another browser is part-way through.
            return current is { } mine && recent.Any(r => r.Id == mine && r.EndedAt == null && r.ExpiresAt > now) ? mine : recovery.Id;
        }
        // Earlier requests are left as they are, for unknown addresses too: ending them only when the address has an
        // account would let anyone holding an earlier page tell the two apart. Each code still works only in the browser
        // that asked for it, at most five an hour, each with five tries.
        recovery.AccountId = account.Id;
        audit.Record(AuditAction.PasswordRecoveryRequested, resourceType: Resource, resourceId: recovery.Id, detail: "code e-mailed", actorAccountId: account.Id);
        await outbox.EmailAsync($"password-reset-code/{recovery.Id}", account.Email, "password-reset-code", new Dictionary<string, string>
        {
            ["Name"] = account.DisplayName,
            ["Code"] = $"{code[..4]} {code[4..]}",
            ["Minutes"] = CodeLifetime.TotalMinutes.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return recovery.Id;
    }

    /// <summary>The recovery if it is still going: not ended, not expired.</summary>
    public Task<PasswordRecovery?> FindLiveAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.PasswordRecoveries.FirstOrDefaultAsync(r => r.Id == id && r.EndedAt == null && r.ExpiresAt > now, cancellationToken);
    }

    public static RecoveryStep StepOf(PasswordRecovery recovery) =>
        recovery.CodeConfirmedAt is null ? RecoveryStep.Code
        : recovery.SecondFactorConfirmedAt is null ? RecoveryStep.SecondFactor
        : RecoveryStep.NewPassword;

    /// <summary>Step 2: the e-mailed code. Each try is counted before it is checked, so tries sent at once cannot get past the limit.</summary>
    public async Task<RecoveryCheck> CheckCodeAsync(PasswordRecovery recovery, string? code, CancellationToken cancellationToken)
    {
        int counted;
        using (await db.EnterWriteGateAsync(cancellationToken, evenWithoutChanges: true))
        {
            counted = await db.PasswordRecoveries
                .Where(r => r.Id == recovery.Id && r.EndedAt == null && r.CodeConfirmedAt == null && r.CodeAttempts < MaxCodeAttempts)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.CodeAttempts, r => r.CodeAttempts + 1), cancellationToken);
        }
        await db.Entry(recovery).ReloadAsync(cancellationToken);
        if (counted == 0)
        {
            return recovery.CodeConfirmedAt is null ? RecoveryCheck.Ended : RecoveryCheck.Accepted;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        // A recovery for an unknown address has a code nobody was sent, so it is checked and counted the same way.
        if (Secrets.Matches(recovery.CodeHash, code))
        {
            recovery.CodeConfirmedAt = now;
            audit.Record(AuditAction.PasswordRecoveryCodeChecked, resourceType: Resource, resourceId: recovery.Id, actorAccountId: recovery.AccountId);
            await db.SaveChangesAsync(cancellationToken);
            return RecoveryCheck.Accepted;
        }
        audit.Record(AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Failure, resourceType: Resource, resourceId: recovery.Id,
            detail: "wrong code", actorAccountId: recovery.AccountId);
        if (recovery.CodeAttempts >= MaxCodeAttempts)
        {
            recovery.EndedAt = now;
            audit.Record(AuditAction.PasswordRecoveryCodeChecked, AuditOutcome.Denied, resourceType: Resource, resourceId: recovery.Id,
                detail: $"ended after {MaxCodeAttempts} wrong codes", actorAccountId: recovery.AccountId);
        }
        await db.SaveChangesAsync(cancellationToken);
        return recovery.EndedAt is null ? RecoveryCheck.Wrong : RecoveryCheck.Ended;
    }

    /// <summary>
    /// The second factors that count here. Never e-mailed codes: the recovery code came by e-mail, so another would only
    /// prove the same mailbox again. An account whose only second factor is e-mailed codes needs a recovery code.
    /// </summary>
    public async Task<List<string>> MethodsAsync(PasswordRecovery recovery, CancellationToken cancellationToken) =>
        await AccountOfAsync(recovery, cancellationToken) is { } account
            ? [.. (await signIn.MethodsAsync(account, cancellationToken)).Where(m => m != SignInService.MethodEmail)]
            : [];

    /// <summary>Step 3: the second factor, counted towards the same lockout as sign-in and refused while it is on.</summary>
    public async Task<RecoveryCheck> CheckSecondFactorAsync(PasswordRecovery recovery, string? method, string? code, CancellationToken cancellationToken)
    {
        if (recovery.CodeConfirmedAt is null || await AccountOfAsync(recovery, cancellationToken) is not { } account)
        {
            return RecoveryCheck.Ended;
        }
        if (!(await MethodsAsync(recovery, cancellationToken)).Contains(method ?? ""))
        {
            return RecoveryCheck.Unavailable;
        }
        // Recovery must not be a way round the lockout: while it is on, no second factor is checked.
        if (await users.IsLockedOutAsync(account))
        {
            await audit.RecordAndSaveAsync(AuditAction.SecondFactorChecked, AuditOutcome.Denied, resourceType: Resource, resourceId: recovery.Id,
                detail: "recovery: account locked", actorAccountId: account.Id, cancellationToken: cancellationToken);
            return RecoveryCheck.Paused;
        }
        if (await signIn.CheckFactorAsync(account, null, method, code, cancellationToken) != FactorCheck.Accepted)
        {
            return await failures.CountAsync(account, AuditAction.SecondFactorChecked, $"recovery: wrong {method} code", cancellationToken)
                ? RecoveryCheck.Paused
                : RecoveryCheck.Wrong;
        }
        recovery.SecondFactorConfirmedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record(AuditAction.SecondFactorChecked, resourceType: Resource, resourceId: recovery.Id, detail: $"recovery: {method} accepted", actorAccountId: account.Id);
        // The account row carries the last authenticator step: a code raced in twice is accepted once.
        account.ConcurrencyStamp = Guid.NewGuid().ToString();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return RecoveryCheck.Wrong;
        }
        return RecoveryCheck.Accepted;
    }

    /// <summary>
    /// Step 4: the new password. Null when it is set (every session ends, the owner is told); otherwise what is wrong
    /// with it, and nothing changed.
    /// </summary>
    public async Task<IReadOnlyList<string>?> CompleteAsync(PasswordRecovery recovery, string newPassword, CancellationToken cancellationToken)
    {
        if (recovery.SecondFactorConfirmedAt is null || await AccountOfAsync(recovery, cancellationToken) is not { } account)
        {
            return ["This recovery has ended. Please ask for a new code."];
        }
        if (await changes.ProblemsAsync(account, newPassword) is { Count: > 0 } problems)
        {
            return problems;
        }
        recovery.EndedAt = clock.GetUtcNow().UtcDateTime;
        return await changes.ReplaceAsync(account, newPassword, keepSessionId: null, "recovery", cancellationToken)
            ? null
            : ["Your account was changed somewhere else at the same moment, so your password has not been changed. Please try again."];
    }

    private async Task<Account?> AccountOfAsync(PasswordRecovery recovery, CancellationToken cancellationToken) =>
        recovery.AccountId is { } id ? await db.Users.FirstOrDefaultAsync(a => a.Id == id, cancellationToken) : null;
}
