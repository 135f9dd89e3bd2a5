using Kaitiaki.Audit;
using Kaitiaki.Cli;
using Kaitiaki.Demo;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The breach-scope benchmark's data set and run (bench/scope.sh), at a small scale: what it generates is real rows
/// with a valid audit chain, and the scope of its attack finds exactly what the generator says it holds.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScaleDataTests
{
    private static readonly ScaleShape Small = new(Practices: 12, LeftPractices: 2, Patients: 3_000, Documents: 4_500, AuditEvents: 40_000,
        Victims: 200, ContentReads: 870, Decoys: 3, DeniedProbes: 15, Seed: 11);

    [Fact]
    public async Task A_small_data_set_verifies_and_its_attack_scopes_exactly_to_every_practice_list()
    {
        await using var portal = await TestPortal.StartAsync();
        ScaleSummary summary;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            summary = await new ScaleWorld(sp.GetRequiredService<KaitiakiDb>(), sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<AuditCheckpoints>(), Small)
                .GenerateAsync(new Progress<string>(), CancellationToken.None);
        }
        Assert.Equal(Small.AuditEvents, summary.Events);
        Assert.Equal(200, summary.ExpectedPatients);
        Assert.Equal(870, summary.ExpectedContentDocuments);
        Assert.Equal(130, summary.ExpectedMetadataDocuments);

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            Assert.Equal(Small.Patients, await db.Patients.CountAsync());
            Assert.Equal(Small.Documents, await db.Documents.CountAsync());
            Assert.Equal(Small.Decoys, await db.Patients.CountAsync(p => p.IsDecoy));
            var nhis = await db.Patients.Select(p => p.Nhi).ToListAsync();
            Assert.All(nhis, nhi => Assert.True(Nhi.IsValid(nhi) && Nhi.IsTestNumber(nhi), nhi));
            Assert.Equal(nhis.Count, nhis.Distinct().Count());
            // Rows written past the change tracker read back as EF wrote them: every event hashes to what it says.
            var verified = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None);
            Assert.True(verified.Intact, verified.Message);
            Assert.True(verified.CheckpointsChecked >= 1, "The generator signs a checkpoint of its last event.");
        }

        var result = await ScaleBenchmark.RunAsync(portal.Services, summary, listReaders: 3, new Progress<string>(), CancellationToken.None);
        Assert.True(result.Correct, string.Join("; ", result.Wrong));
        Assert.Empty(result.Wrong);
        Assert.True(result.TrailVerified);
        Assert.Equal(summary.ExpectedPracticeRows, result.PracticeRows);
        // A list and the reads of each victim; the decoys' list and reads never count, and the refused probes never match.
        Assert.Equal(Small.Victims + Small.ContentReads, result.EventsMatched);
    }

    [Fact]
    public async Task A_window_verifies_in_parts_between_checkpoints_and_a_change_or_gap_in_any_part_is_found()
    {
        await using var portal = await TestPortal.StartAsync();
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<KaitiakiDb>();
        var checkpoints = sp.GetRequiredService<AuditCheckpoints>();
        await new ScaleWorld(db, sp.GetRequiredService<AuditChain>(), checkpoints, Small).GenerateAsync(new Progress<string>(), CancellationToken.None);
        foreach (var at in new long[] { 8_000, 16_000, 24_000, 32_000 })
        {
            checkpoints.Write(at, await db.AuditEvents.Where(e => e.Sequence == at).Select(e => e.Hash).SingleAsync());
        }
        var verifier = sp.GetRequiredService<AuditVerifier>();

        var intact = await verifier.VerifyRangeAsync(5_000, 35_000, CancellationToken.None);
        Assert.True(intact.Intact, intact.Message);
        Assert.Equal(Small.AuditEvents, intact.EventsChecked);
        Assert.Equal(5, intact.CheckpointsChecked);

        await db.Database.ExecuteSqlAsync($"UPDATE \"AuditEvents\" SET \"Bytes\" = {1} WHERE \"Sequence\" = {20_001L}");
        var changed = await verifier.VerifyRangeAsync(5_000, 35_000, CancellationToken.None);
        Assert.False(changed.Intact);
        Assert.Equal(20_001, changed.FirstBadSequence);
        Assert.Contains("changed after it was written", changed.Message);

        // The last event of a part, the one its closing checkpoint vouches for: the next part alone would never notice.
        await db.Database.ExecuteSqlAsync($"DELETE FROM \"AuditEvents\" WHERE \"Sequence\" = {16_000L}");
        var cut = await verifier.VerifyRangeAsync(5_000, 12_000, CancellationToken.None);
        Assert.False(cut.Intact);
        Assert.Equal(16_000, cut.FirstBadSequence);
        Assert.Contains("missing", cut.Message);
        var outside = await verifier.VerifyRangeAsync(24_001, 30_000, CancellationToken.None);
        Assert.True(outside.Intact, "A window between later checkpoints rests on them, not on the parts before.");
    }

    [Fact]
    public async Task A_scope_finds_the_same_impact_whether_its_window_verifies_breaks_or_cannot_be_checked_at_all()
    {
        await using var portal = await TestPortal.StartAsync();
        ScaleSummary summary;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var checkpoints = sp.GetRequiredService<AuditCheckpoints>();
            var db = sp.GetRequiredService<KaitiakiDb>();
            summary = await new ScaleWorld(db, sp.GetRequiredService<AuditChain>(), checkpoints, Small).GenerateAsync(new Progress<string>(), CancellationToken.None);
            foreach (var at in new long[] { 10_000, 20_000, 30_000 })
            {
                checkpoints.Write(at, await db.AuditEvents.Where(e => e.Sequence == at).Select(e => e.Hash).SingleAsync());
            }
        }

        async Task<ScopeVersion> ScopeAsync()
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            var email = summary.IncidentManagerEmail.ToUpperInvariant();
            var manager = await sp.GetRequiredService<KaitiakiDb>().Users.Where(a => a.NormalizedEmail == email).Select(a => a.Id).SingleAsync();
            var incident = await sp.GetRequiredService<IncidentService>().OpenAsync("Scale test", summary.AttackTo, manager, null, CancellationToken.None);
            Assert.True(ScopeFilter.TryRead(new ScopeRequest(summary.AttackFrom, summary.AttackTo, [summary.AttackerAccountId]), out var filter, out var problem), problem);
            var run = await sp.GetRequiredService<Scoping>().RunAsync(incident.Id, filter, manager, null, CancellationToken.None);
            var version = run.Version ?? throw new InvalidOperationException(run.Problem);
            // The pages count the same events through the trail's indexes, with the same test.
            var accesses = await sp.GetRequiredService<ScopeActivity>().AccessesAsync(version, CancellationToken.None);
            Assert.Equal(version.EventsMatched, accesses.Total);
            return version;
        }
        void Exact(ScopeVersion version)
        {
            Assert.Equal(summary.ExpectedPatients, version.Patients);
            Assert.Equal(summary.ExpectedContentDocuments, version.ContentDocuments);
            Assert.Equal(summary.ExpectedMetadataDocuments, version.MetadataDocuments);
            Assert.Equal(summary.ExpectedPractices, version.Practices);
            Assert.Equal(Small.Victims + Small.ContentReads, version.EventsMatched);
        }

        var intact = await ScopeAsync();
        Exact(intact);
        Assert.True(intact.TrailVerified, intact.TrailMessage);

        // A changed event early in the window breaks the chain there; every event after it is still read.
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            var early = await db.AuditEvents.Where(e => e.OccurredAt >= summary.AttackFrom).OrderBy(e => e.Sequence).Select(e => e.Sequence).FirstAsync();
            await db.Database.ExecuteSqlAsync($"UPDATE \"AuditEvents\" SET \"Bytes\" = {7L} WHERE \"Sequence\" = {early}");
        }
        var broken = await ScopeAsync();
        Exact(broken);
        Assert.False(broken.TrailVerified);
        Assert.Contains("changed after it was written", broken.TrailMessage);

        // A checkpoint whose signature fails means the chain cannot be checked at all; the window is still read whole.
        var file = Directory.GetFiles(portal.Services.GetRequiredService<AuditCheckpoints>().Directory, "checkpoint-*.json").Order(StringComparer.Ordinal).First();
        var checkpoint = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        checkpoint["Signature"] = Convert.ToBase64String(new byte[64]);
        await File.WriteAllTextAsync(file, checkpoint.ToJsonString());
        var unverifiable = await ScopeAsync();
        Exact(unverifiable);
        Assert.False(unverifiable.TrailVerified);
        Assert.Contains("has no valid signature", unverifiable.TrailMessage);
    }

    [Fact]
    public async Task An_event_whose_time_was_moved_just_out_of_the_window_is_still_read_and_fails_the_window()
    {
        await using var portal = await TestPortal.StartAsync();
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<KaitiakiDb>();
        var checkpoints = sp.GetRequiredService<AuditCheckpoints>();
        var summary = await new ScaleWorld(db, sp.GetRequiredService<AuditChain>(), checkpoints, Small).GenerateAsync(new Progress<string>(), CancellationToken.None);
        var firstInWindow = await db.AuditEvents.Where(e => e.OccurredAt >= summary.AttackFrom).OrderBy(e => e.OccurredAt).Select(e => e.Sequence).FirstAsync();
        // A signed checkpoint of that very event: were the stretch read to start there, the event would never be looked at.
        checkpoints.Write(firstInWindow, await db.AuditEvents.Where(e => e.Sequence == firstInWindow).Select(e => e.Hash).SingleAsync());
        await db.Database.ExecuteSqlAsync($"UPDATE \"AuditEvents\" SET \"OccurredAt\" = {summary.AttackFrom.AddHours(-2)} WHERE \"Sequence\" = {firstInWindow}");

        var email = summary.IncidentManagerEmail.ToUpperInvariant();
        var manager = await db.Users.Where(a => a.NormalizedEmail == email).Select(a => a.Id).SingleAsync();
        var incident = await sp.GetRequiredService<IncidentService>().OpenAsync("Moved event", summary.AttackTo, manager, null, CancellationToken.None);
        Assert.True(ScopeFilter.TryRead(new ScopeRequest(summary.AttackFrom, summary.AttackTo, [summary.AttackerAccountId]), out var filter, out var problem), problem);
        var run = await sp.GetRequiredService<Scoping>().RunAsync(incident.Id, filter, manager, null, CancellationToken.None);
        var version = run.Version ?? throw new InvalidOperationException(run.Problem);
        Assert.False(version.TrailVerified);
        Assert.Contains($"Event {firstInWindow} ", version.TrailMessage);
        Assert.Contains("changed after it was written", version.TrailMessage);
    }

    [Fact]
    public async Task A_signed_checkpoint_copied_under_another_name_is_harmless_and_two_that_disagree_fail_verification()
    {
        await using var portal = await TestPortal.StartAsync();
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<KaitiakiDb>();
        var checkpoints = sp.GetRequiredService<AuditCheckpoints>();
        await new ScaleWorld(db, sp.GetRequiredService<AuditChain>(), checkpoints, Small).GenerateAsync(new Progress<string>(), CancellationToken.None);
        checkpoints.Write(8_000, await db.AuditEvents.Where(e => e.Sequence == 8_000).Select(e => e.Hash).SingleAsync());
        var original = Path.Combine(checkpoints.Directory, "checkpoint-000000008000.json");
        File.Copy(original, Path.Combine(checkpoints.Directory, "checkpoint-000000008000-copy.json"));
        var verifier = sp.GetRequiredService<AuditVerifier>();

        var copied = await verifier.VerifyRangeAsync(5_000, 12_000, CancellationToken.None);
        Assert.True(copied.Intact, copied.Message);
        Assert.True((await verifier.VerifyAsync(null, CancellationToken.None)).Intact);

        File.Delete(original);
        checkpoints.Write(8_000, new byte[32]);
        foreach (var result in new[] { await verifier.VerifyRangeAsync(5_000, 12_000, CancellationToken.None), await verifier.VerifyAsync(null, CancellationToken.None) })
        {
            Assert.False(result.Intact);
            Assert.Equal(8_000, result.FirstBadSequence);
            Assert.Contains("Two signed checkpoints vouch for different hashes of event 8000", result.Message);
        }
    }

    [Fact]
    public async Task A_data_set_goes_only_into_an_empty_database_and_changes_nothing_otherwise()
    {
        await using var portal = await TestPortal.StartAsync();
        var practice = await portal.CreatePracticeAsync("Already Here");
        await portal.CreatePatientAsync(practice);
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<KaitiakiDb>();
        var (patients, events) = (await db.Patients.CountAsync(), await db.AuditEvents.CountAsync());
        var world = new ScaleWorld(db, sp.GetRequiredService<AuditChain>(), sp.GetRequiredService<AuditCheckpoints>(), Small);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => world.GenerateAsync(new Progress<string>(), CancellationToken.None));
        Assert.StartsWith("Scale data goes into an empty database only", refused.Message);
        Assert.Equal(patients, await db.Patients.CountAsync());
        Assert.Equal(events, await db.AuditEvents.CountAsync());
        Assert.Equal(1, await db.Practices.CountAsync());
    }

    [Theory]
    [InlineData(1, 0, 3_000, 4_500, 40_000L, 200, 870, "at least two practices")]
    [InlineData(12, 12, 3_000, 4_500, 40_000L, 200, 870, "fewer that left")]
    [InlineData(12, 2, 150, 4_500, 40_000L, 200, 870, "more patients than victims")]
    [InlineData(12, 2, 3_000, 4_500, 40_000L, 0, 0, "at least one victim")]
    [InlineData(12, 2, 3_000, 4_500, 40_000L, 200, 799, "4 to 5 times the victims")]
    [InlineData(12, 2, 3_000, 4_500, 40_000L, 200, 1_001, "4 to 5 times the victims")]
    [InlineData(12, 2, 3_000, 900, 40_000L, 200, 870, "at least 1015 documents")]
    [InlineData(12, 2, 3_000, 4_500, 1_000L, 200, 870, "audit events")]
    public void A_shape_that_cannot_be_built_says_what_is_wrong(int practices, int left, int patients, int documents, long events, int victims, int reads, string problem)
    {
        var shape = new ScaleShape(practices, left, patients, documents, events, victims, reads, 3, 15, 1);
        Assert.Contains(problem, shape.Problem());
        Assert.Null(Small.Problem());
        Assert.Null(ScaleShape.ManageMyHealth.Problem());
    }

    [Fact]
    public void Ids_sort_by_their_key_numbers_exactly_as_they_sort_themselves()
    {
        var ids = Enumerable.Range(0, 5_000).Select(i => i % 3 == 0 ? Guid.CreateVersion7() : Guid.NewGuid())
            .Append(Guid.Empty).Append(Guid.AllBitsSet).Append(new Guid("80000000-0000-0000-0000-000000000000")).ToList();
        Assert.Equal(ids.Order().ToList(), ids.OrderBy(ScopeFold.KeyOrder).ToList());
    }

    [Fact]
    public void The_test_nhi_range_holds_ManageMyHealths_patients_each_valid_and_different()
    {
        var seen = new HashSet<string>();
        foreach (var nhi in ScaleNhis.All().Take(ScaleShape.ManageMyHealth.Patients))
        {
            Assert.True(seen.Add(nhi), nhi);
            Assert.True(Nhi.IsValid(nhi) && Nhi.IsTestNumber(nhi), nhi);
        }
        Assert.Equal(ScaleShape.ManageMyHealth.Patients, seen.Count);
    }
}
