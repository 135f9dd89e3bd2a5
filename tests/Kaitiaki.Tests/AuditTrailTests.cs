using System.Security.Cryptography;
using Kaitiaki.Audit;
using Kaitiaki.Cli;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using AuditEvent = Kaitiaki.Audit.AuditEvent;

namespace Kaitiaki.Tests;

/// <summary>
/// Someone with write access to the database tampers with the trail using plain SQL; the verifier
/// (in process and through <c>kaitiaki audit verify</c>) must catch it and name the first bad event.
/// </summary>
[Trait("Category", "Integration")]
[Collection(CommandLineCollection.Name)]
public sealed class AuditTrailTests : IAsyncLifetime
{
    private static readonly SemaphoreSlim ConsoleGate = new(1, 1);
    private TestPortal _portal = null!;

    public async Task InitializeAsync()
    {
        _portal = await TestPortal.StartAsync();
        var practice = await _portal.CreatePracticeAsync();
        for (var i = 0; i < 3; i++)
        {
            await _portal.CreatePatientAsync(practice);
        }
        Assert.True(await LastSequenceAsync() >= 7);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Intact_trail_verifies()
    {
        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Message);
        Assert.Equal(await LastSequenceAsync(), result.EventsChecked);
        Assert.Null(result.FirstBadSequence);
        Assert.Equal(0, (await RunCliVerifyAsync()).ExitCode);
    }

    [Fact]
    public async Task Changed_event_is_caught()
    {
        var target = await EventAtAsync(3);

        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Detail\" = {"nothing to see here"} WHERE \"Sequence\" = {3}");

        await AssertBrokenAtAsync(3, target.Id, "changed");
    }

    [Fact]
    public async Task Event_deleted_from_the_middle_is_caught()
    {
        await ExecuteAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = {3}");

        await AssertBrokenAtAsync(3, null, "Event 3 is missing");
    }

    [Fact]
    public async Task Forged_event_inserted_in_the_middle_is_caught()
    {
        var before = await EventAtAsync(3);
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Sequence\" = \"Sequence\" + {1_000_000} WHERE \"Sequence\" >= {4}");
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Sequence\" = \"Sequence\" - {999_999} WHERE \"Sequence\" >= {1_000_000}");
        var forged = Forge(4, before.Hash);
        forged.Hash = forged.ComputeHash(RandomNumberGenerator.GetBytes(32), before.Hash); // a guessed key

        await InsertAsync(forged);

        await AssertBrokenAtAsync(4, forged.Id, forged.Id.ToString());
    }

    [Fact]
    public async Task Forged_event_appended_without_the_chain_key_is_caught()
    {
        var head = await EventAtAsync(await LastSequenceAsync());
        var forged = Forge(head.Sequence + 1, head.Hash);
        forged.Hash = SHA256.HashData([.. head.Hash, .. forged.CanonicalBytes()]);

        await InsertAsync(forged);

        await AssertBrokenAtAsync(forged.Sequence, forged.Id, forged.Id.ToString());
    }

    [Fact]
    public async Task Swapped_events_are_caught()
    {
        var fourth = await EventAtAsync(4);

        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Sequence\" = {-3} WHERE \"Sequence\" = {3}");
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Sequence\" = {3} WHERE \"Sequence\" = {4}");
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Sequence\" = {4} WHERE \"Sequence\" = {-3}");

        await AssertBrokenAtAsync(3, fourth.Id, "does not follow");
    }

    [Fact]
    public async Task Trail_cut_short_after_a_checkpoint_is_caught()
    {
        var head = await _portal.WithScopeAsync(sp =>
            sp.GetRequiredService<AuditCheckpoints>().WriteHeadAsync(sp.GetRequiredService<KaitiakiDb>(), CancellationToken.None));

        await ExecuteAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" > {head - 2}");

        await AssertBrokenAtAsync(head - 1, null, $"vouches for {head} events");
    }

    [Fact]
    public async Task A_trail_that_spans_both_canonical_forms_verifies_and_tampering_in_either_form_is_caught()
    {
        // Events 1 to 3 become what the portal wrote before form 2 (no items); the rest stay in form 2.
        await ResealAsync(lastFormOne: 3);
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Message);
        Assert.Equal(0, (await RunCliVerifyAsync()).ExitCode);

        // Items put on a form 1 event cannot be hashed, so they are caught as a change.
        var second = await EventAtAsync(2);
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Items\" = {AuditEvent.PackItems([Guid.NewGuid()])} WHERE \"Sequence\" = {2}");
        await AssertBrokenAtAsync(2, second.Id, "changed");
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Items\" = NULL WHERE \"Sequence\" = {2}");
        Assert.True((await VerifyAsync()).Intact);

        // A form 2 event passed off as form 1, which would drop its items from the hash.
        var fifth = await EventAtAsync(5);
        await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Format\" = {1} WHERE \"Sequence\" = {5}");
        await AssertBrokenAtAsync(5, fifth.Id, "changed");
    }

    /// <summary>
    /// Rewrites the whole chain with the real key, with events up to <paramref name="lastFormOne"/> in canonical form 1,
    /// as a trail begun before form 2 and carried on after it looks. Checkpoints vouch for the old hashes, so they go.
    /// </summary>
    private async Task ResealAsync(long lastFormOne)
    {
        var key = _portal.Services.GetRequiredService<AuditChain>().Key;
        var events = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync());
        var previous = AuditChain.Genesis;
        foreach (var e in events)
        {
            e.Format = e.Sequence <= lastFormOne ? 1 : AuditEvent.CurrentFormat;
            e.Items = e.Format == 1 ? null : e.Items;
            e.PreviousHash = previous;
            e.Hash = e.ComputeHash(key, previous);
            previous = e.Hash;
            await ExecuteAsync($"UPDATE \"AuditEvents\" SET \"Format\" = {e.Format}, \"Items\" = {e.Items}, \"PreviousHash\" = {e.PreviousHash}, \"Hash\" = {e.Hash} WHERE \"Sequence\" = {e.Sequence}");
        }
        foreach (var file in Directory.GetFiles(_portal.Services.GetRequiredService<KaitiakiOptions>().AuditCheckpointPath))
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Audit_events_cannot_be_changed_or_deleted_through_ef()
    {
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var e = await db.AuditEvents.FirstAsync(x => x.Sequence == 2);
            e.Detail = "rewritten";
            return await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.AuditEvents.Remove(await db.AuditEvents.FirstAsync(x => x.Sequence == 2));
            return await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });

        Assert.True((await VerifyAsync()).Intact);
    }

    private async Task AssertBrokenAtAsync(long sequence, Guid? eventId, string messagePart)
    {
        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(sequence, result.FirstBadSequence);
        Assert.Equal(eventId, result.FirstBadEventId);
        Assert.Contains(messagePart, result.Message, StringComparison.Ordinal);

        var (exitCode, error) = await RunCliVerifyAsync();
        Assert.NotEqual(0, exitCode);
        Assert.Contains($"at event {sequence}:", error, StringComparison.Ordinal);
    }

    private Task<VerificationResult> VerifyAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None));

    /// <summary>Runs <c>kaitiaki audit verify</c> against this portal's data folder and database; returns its exit code and standard error.</summary>
    private async Task<(int ExitCode, string Error)> RunCliVerifyAsync()
    {
        await ConsoleGate.WaitAsync();
        var original = Console.Error;
        try
        {
            using var error = new StringWriter();
            Console.SetError(error);
            var exitCode = await KaitiakiCli.RunAsync(["audit", "verify", .. _portal.StorageArgs]);
            return (exitCode, error.ToString());
        }
        finally
        {
            Console.SetError(original);
            ConsoleGate.Release();
        }
    }

    private Task<long> LastSequenceAsync() =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.MaxAsync(e => e.Sequence));

    private Task<AuditEvent> EventAtAsync(long sequence) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking().SingleAsync(e => e.Sequence == sequence));

    private Task<int> ExecuteAsync(FormattableString sql) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Database.ExecuteSqlAsync(sql));

    private AuditEvent Forge(long sequence, byte[] previousHash) => new()
    {
        Sequence = sequence,
        OccurredAt = AuditEvent.TrimToMicroseconds(_portal.Clock.GetUtcNow().UtcDateTime),
        Action = AuditAction.SignIn,
        Outcome = AuditOutcome.Success,
        Detail = "forged",
        PreviousHash = previousHash,
    };

    private Task<int> InsertAsync(AuditEvent e) => ExecuteAsync($"""
        INSERT INTO "AuditEvents" ("Id", "Sequence", "OccurredAt", "Action", "Outcome", "Detail", "PreviousHash", "Hash")
        VALUES ({e.Id}, {e.Sequence}, {e.OccurredAt}, {(int)e.Action}, {(int)e.Outcome}, {e.Detail}, {e.PreviousHash}, {e.Hash})
        """);
}
