using Kaitiaki.Accounts;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>
/// Identity saves accounts through <see cref="AccountStore"/>: only changed columns are written, so only a change to a
/// column that decides access moves the access revision, and the concurrency stamp still guards every write.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AccountStoreTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_change_to_a_column_that_does_not_decide_access_is_saved_without_moving_the_revision()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var before = await _portal.AccessRevisionAsync();

        var result = await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var account = await users.FindByIdAsync(patient.AccountId.ToString());
            account!.AccessFailedCount = 3;
            return await users.UpdateAsync(account);
        });

        Assert.True(result.Succeeded);
        Assert.Equal(3, await AccountAsync(patient, a => a.AccessFailedCount));
        Assert.Equal(before, await _portal.AccessRevisionAsync());
    }

    [Fact]
    public async Task A_lockout_does_not_move_the_revision_but_a_change_of_name_does()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var before = await _portal.AccessRevisionAsync();

        // A lockout pauses new sign-ins only; no live session or remembered decision rests on it.
        var locked = await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var account = await users.FindByIdAsync(patient.AccountId.ToString());
            return await users.SetLockoutEndDateAsync(account!, _portal.Clock.GetUtcNow().AddHours(1));
        });
        Assert.True(locked.Succeeded);
        Assert.NotNull(await AccountAsync(patient, a => a.LockoutEnd));
        Assert.Equal(before, await _portal.AccessRevisionAsync());

        var renamed = await _portal.WithScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<Account>>();
            var account = await users.FindByIdAsync(patient.AccountId.ToString());
            account!.DisplayName = "Renamed Patient";
            return await users.UpdateAsync(account);
        });
        Assert.True(renamed.Succeeded);
        Assert.Equal(before + 1, await _portal.AccessRevisionAsync());
    }

    [Fact]
    public async Task An_account_read_elsewhere_is_saved_whole_and_counts_as_a_change_of_access()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var before = await _portal.AccessRevisionAsync();

        var result = await _portal.WithScopeAsync(async sp =>
        {
            var detached = await sp.GetRequiredService<KaitiakiDb>().Users.AsNoTracking().SingleAsync(a => a.Id == patient.AccountId);
            detached.LockoutEnd = _portal.Clock.GetUtcNow().AddHours(1);
            return await sp.GetRequiredService<IUserStore<Account>>().UpdateAsync(detached, CancellationToken.None);
        });

        Assert.True(result.Succeeded);
        Assert.NotNull(await AccountAsync(patient, a => a.LockoutEnd));
        Assert.Equal(before + 1, await _portal.AccessRevisionAsync());
    }

    [Fact]
    public async Task Two_updates_of_the_same_account_read_at_the_same_time_save_only_the_first()
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        using var first = _portal.Services.CreateScope();
        using var second = _portal.Services.CreateScope();
        var firstUsers = first.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var secondUsers = second.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var firstCopy = await firstUsers.FindByIdAsync(patient.AccountId.ToString());
        var secondCopy = await secondUsers.FindByIdAsync(patient.AccountId.ToString());

        firstCopy!.AccessFailedCount = 1;
        Assert.True((await firstUsers.UpdateAsync(firstCopy)).Succeeded);
        secondCopy!.AccessFailedCount = 2;
        var late = await secondUsers.UpdateAsync(secondCopy);

        Assert.False(late.Succeeded);
        Assert.Equal(nameof(IdentityErrorDescriber.ConcurrencyFailure), Assert.Single(late.Errors).Code);
        Assert.Equal(1, await AccountAsync(patient, a => a.AccessFailedCount));
    }


    private Task<T> AccountAsync<T>(TestUser user, System.Linq.Expressions.Expression<Func<Account, T>> column) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.Id == user.AccountId).Select(column).SingleAsync());
}
