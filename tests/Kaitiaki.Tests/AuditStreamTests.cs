using System.Collections.Concurrent;
using System.Net;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Kaitiaki.Tests.Documents;
using AuditEvent = Kaitiaki.Audit.AuditEvent;

namespace Kaitiaki.Tests;

/// <summary>
/// The event stream and the guard seam: subscribers see every committed event exactly once and in chain order, however
/// they behave; a guard stops a read before anything is sent, and the refusal is on the trail.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AuditStreamTests
{
    [Fact]
    public async Task Every_subscriber_sees_every_committed_event_once_in_chain_order_under_concurrent_writers()
    {
        var fast = new Recorder();
        var slow = new Recorder(delay: TimeSpan.FromMilliseconds(3));
        var throwing = new Recorder(throwEvery: 3);
        await using var portal = await TestPortal.StartAsync(configure: builder =>
        {
            foreach (var subscriber in new[] { fast, slow, throwing })
            {
                builder.Services.AddSingleton<IAuditSubscriber>(subscriber);
            }
            // A tiny queue, so the slow subscriber falls behind and must catch up from the database.
            builder.Services.AddSingleton(sp => new AuditStream(
                sp.GetRequiredService<IServiceScopeFactory>(), sp.GetServices<IAuditSubscriber>(), sp.GetService<ILogger<AuditStream>>(), queueCapacity: 8));
        });
        var started = await HeadAsync(portal);

        // Standalone reads through the writer and changes through units of work, side by side.
        var practice = await portal.CreatePracticeAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = 0; i < 25; i++)
            {
                await portal.WithScopeAsync(async sp =>
                {
                    var audit = sp.GetRequiredService<AuditTrail>();
                    if (i % 5 == 0)
                    {
                        await audit.RecordAndSaveAsync(AuditAction.AuditTrailViewed, detail: $"worker {worker}");
                    }
                    else
                    {
                        await audit.RecordStandaloneAsync(AuditAction.AuditTrailViewed, detail: $"worker {worker}");
                    }
                    return 0;
                });
            }
        }));
        // An event this process never publishes (as the command line or another server would write it); the next local
        // event reveals the gap, and the stream fills it from the database.
        await WriteElsewhereAsync(portal);
        await portal.CreatePatientAsync(practice);

        var head = await HeadAsync(portal);
        var expected = Enumerable.Range((int)started + 1, (int)(head - started)).Select(s => (long)s).ToList();
        foreach (var (name, recorder) in new[] { ("fast", fast), ("slow", slow), ("throwing", throwing) })
        {
            await recorder.WaitForAsync(head);
            Assert.True(expected.SequenceEqual(recorder.Sequences), $"The {name} subscriber saw [{string.Join(", ", recorder.Sequences)}].");
        }
        Assert.True(slow.FellBehind > 0, "The slow subscriber never fell behind, so catching up was not tested.");
        Assert.True(throwing.Threw > 0);
        Assert.True((await portal.WithScopeAsync(sp => sp.GetRequiredService<AuditVerifier>().VerifyAsync(null, CancellationToken.None))).Intact);
    }

    [Fact]
    public async Task A_guard_refusal_sends_no_byte_answers_like_a_missing_document_and_is_audited()
    {
        var guard = new RefusingGuard();
        await using var portal = await TestPortal.StartAsync(configure: builder => builder.Services.AddSingleton<IAccessGuard>(guard));
        var (patient, client, ids) = await portal.PatientWithDocumentsAsync(2);
        guard.Refuse(ids[0]);

        var refused = await client.GetAsync($"/api/v1/documents/{ids[0]}/content");
        var missing = await client.GetAsync($"/api/v1/documents/{Guid.NewGuid()}/content");

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        await ResponsesMatch.AssertSameAsync(missing, refused);
        Assert.DoesNotContain("%PDF", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{ids[1]}/content")).StatusCode);
        var events = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .Where(e => e.ResourceId == ids[0] && e.Action != AuditAction.DocumentUploaded).ToListAsync());
        var refusal = Assert.Single(events);
        Assert.Equal(AuditAction.ReadRefusedByGuard, refusal.Action);
        Assert.Equal(AuditOutcome.Denied, refusal.Outcome);
        Assert.Equal(patient.PatientId, refusal.PatientId);
        Assert.Equal("DocumentDownloaded: test guard", refusal.Detail);
        Assert.Equal(patient.AccountId, refusal.ActorAccountId);

        // A list refused by a guard answers as a list of someone else's documents does.
        guard.RefuseLists();
        var list = await client.GetAsync($"/api/v1/documents?patientId={patient.PatientId}");
        Assert.Equal(HttpStatusCode.NotFound, list.StatusCode);
        Assert.Equal(2, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.Action == AuditAction.ReadRefusedByGuard)));

        // A practice's patient list is a read of every patient on it, and is guarded the same way.
        guard.RefuseAction(AuditAction.PatientListViewed);
        var practice = await portal.CreatePracticeAsync();
        await portal.CreatePatientAsync(practice);
        var clinician = await portal.CreateStaffAsync(practice, Kaitiaki.Practices.StaffRole.Clinician);
        await Assert.ThrowsAsync<AccessRefusedException>(() => portal.WithScopeAsync(sp => sp.GetRequiredService<Kaitiaki.Practices.PracticeService>()
            .PanelPageAsync(clinician.AccountId, practice.Id, search: null, page: 1, CancellationToken.None)));
        Assert.Equal(0, await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents
            .CountAsync(e => e.Action == AuditAction.PatientListViewed)));
    }

    [Fact]
    public async Task The_portal_refuses_to_start_with_a_clear_message_when_the_chain_head_cannot_be_read()
    {
        await using var portal = await TestPortal.StartAsync();
        await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Database.ExecuteSqlRawAsync(
            "ALTER TABLE \"AuditEvents\" RENAME TO \"AuditEventsAway\""));
        try
        {
            var builder = KaitiakiHost.CreateBuilder([.. portal.StorageArgs]);
            builder.WebHost.UseTestServer();
            await using var second = KaitiakiHost.Build(builder);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());

            Assert.StartsWith("Kaitiaki cannot start: the head of the audit trail could not be read", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Database.ExecuteSqlRawAsync(
                "ALTER TABLE \"AuditEventsAway\" RENAME TO \"AuditEvents\""));
        }
    }

    private static Task<long> HeadAsync(TestPortal portal) =>
        portal.WithScopeAsync(async sp => await sp.GetRequiredService<KaitiakiDb>().AuditEvents.MaxAsync(e => (long?)e.Sequence) ?? 0);

    /// <summary>Appends one event through a context with its own ledger, as another process would.</summary>
    private static Task WriteElsewhereAsync(TestPortal portal) =>
        portal.ElsewhereAsync(db =>
        {
            db.AuditEvents.Add(new AuditEvent
            {
                OccurredAt = AuditEvent.TrimToMicroseconds(portal.Clock.GetUtcNow().UtcDateTime),
                Action = AuditAction.AuditVerified,
                Client = "elsewhere",
            });
            return db.SaveChangesAsync();
        });

    private sealed class Recorder(TimeSpan? delay = null, int throwEvery = 0) : IAuditSubscriber
    {
        private readonly ConcurrentQueue<long> _seen = new();
        private int _fellBehind;
        private int _threw;

        public List<long> Sequences => [.. _seen];
        public int FellBehind => _fellBehind;
        public int Threw => _threw;

        public async ValueTask OnEventAsync(AuditRecord auditEvent, CancellationToken cancellationToken)
        {
            _seen.Enqueue(auditEvent.Sequence);
            if (delay is { } wait)
            {
                await Task.Delay(wait, cancellationToken);
            }
            if (throwEvery > 0 && auditEvent.Sequence % throwEvery == 0)
            {
                Interlocked.Increment(ref _threw);
                throw new InvalidOperationException("A subscriber that fails.");
            }
        }

        public ValueTask OnFellBehindAsync(long lastDelivered, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fellBehind);
            return ValueTask.CompletedTask;
        }

        /// <summary>Waits until the subscriber has seen <paramref name="sequence"/>; the limit only stops a broken stream from hanging the run.</summary>
        public async Task WaitForAsync(long sequence)
        {
            for (var i = 0; i < 600 && !_seen.Contains(sequence); i++)
            {
                await Task.Delay(100);
            }
        }
    }

    private sealed class RefusingGuard : IAccessGuard
    {
        private readonly ConcurrentDictionary<Guid, bool> _refused = new();
        private readonly ConcurrentDictionary<AuditAction, bool> _actions = new();

        public void Refuse(Guid documentId) => _refused[documentId] = true;

        public void RefuseLists() => RefuseAction(AuditAction.DocumentListed);

        public void RefuseAction(AuditAction action) => _actions[action] = true;

        public ValueTask<GuardRefusal?> CheckAsync(GuardedRead read, CancellationToken cancellationToken) =>
            ValueTask.FromResult(
                (read.ResourceId is { } id && _refused.ContainsKey(id)) || _actions.ContainsKey(read.Action)
                    ? new GuardRefusal("test guard")
                    : null);
    }
}
