using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Documents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>
/// What moves the access revision is decided by marks the database enforces: every table the access rule reads is
/// marked, every mark has its triggers, and any write to a marked table (EF, ExecuteUpdate, raw SQL) moves the revision,
/// so a remembered decision cannot outlive the change.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class AccessStateTests : IAsyncLifetime
{
    private readonly SqlCapture _sql = new();
    private TestPortal _portal = null!;

    public async Task InitializeAsync() =>
        _portal = await TestPortal.StartAsync(configure: builder => builder.Services.AddSingleton<IInterceptor>(_sql));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Every_table_the_access_rule_and_the_session_query_read_is_marked_as_access_state()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var clinician = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var patientId = patient.PatientId!.Value;
        var client = await _portal.SignInApiAsync(patient);
        var sessionId = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Sessions
            .Where(s => s.AccountId == patient.AccountId).Select(s => s.Id).FirstAsync());

        _sql.Start();
        await _portal.WithScopeAsync(async sp =>
        {
            var access = sp.GetRequiredService<PatientAccess>();
            foreach (var account in new[] { patient.AccountId, clinician.AccountId })
            {
                await access.ReadablePatientIds(account).AnyAsync(id => id == patientId);
                await access.PatientSideIds(account).AnyAsync(id => id == patientId);
                await access.CapacitiesAsync(account, patientId, CancellationToken.None);
                await access.ClinicianPracticeAsync(account, patientId, CancellationToken.None);
                await access.NextGrantExpiryAsync(account, CancellationToken.None);
                await sp.GetRequiredService<DocumentAccessPolicy>().Readable(account).AnyAsync();
                await sp.GetRequiredService<StaffAccess>().PracticesAsync(account, CancellationToken.None);
            }
            await access.CurrentPracticeAsync(patientId, CancellationToken.None);
            return await sp.GetRequiredService<AccountDirectory>().FindBySessionAsync(s => s.Id == sessionId, CancellationToken.None);
        });
        var read = _sql.Stop();

        var model = _portal.Services.GetRequiredService<KaitiakiDb>().Model;
        // The capture is process-wide: the outbox worker's look for due messages, on its own loop, is not the access rule.
        var tables = read.Where(sql => !sql.Contains("\"OutboxMessages\"", StringComparison.Ordinal))
            .SelectMany(sql => TableNames().Matches(sql).Select(m => m.Groups[1].Value)).ToHashSet();
        var marked = AccessStateTriggers.Marked(model).Select(m => m.Entity.GetTableName()).ToHashSet();
        Assert.Superset(new HashSet<string> { "Patients", "ProxyGrants", "Enrolments", "StaffMemberships", "AspNetUsers", "Sessions", "Documents" }, tables);
        var unmarked = tables.Where(t => t != "AccessRevisions" && !marked.Contains(t)).ToList();
        Assert.True(unmarked.Count == 0, $"The access rule reads tables not marked [AccessState]: {string.Join(", ", unmarked)}.");
        Assert.NotNull(client);
    }

    [Fact]
    public async Task The_database_has_exactly_the_triggers_the_marks_call_for()
    {
        var (expected, actual) = await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            return (AccessStateTriggers.Expected(db.Model), await AccessStateTriggers.InDatabaseAsync(db, CancellationToken.None));
        });

        Assert.Equal(expected.Select(t => t.Name).Order(), actual.Order());
        if (!TestPortal.OnPostgres)
        {
            // SQLite keeps each trigger's text as written: it must be what the marks give today.
            var stored = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Database
                .SqlQueryRaw<string>("SELECT sql AS \"Value\" FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_state_%'").ToListAsync());
            var wanted = AccessStateTriggers.CreateSql(expected, postgres: false).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => s.TrimEnd(';', '\r')).Order();
            Assert.Equal(wanted, stored.Select(s => s.Trim().TrimEnd(';')).Order());
        }
    }

    [Fact]
    public async Task Any_write_to_a_marked_table_moves_the_revision_whoever_makes_it_and_other_writes_do_not()
    {
        var practice = await _portal.CreatePracticeAsync();
        var patient = await _portal.CreatePatientAsync(practice);
        var proxy = await _portal.CreatePatientAsync(practice);
        await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        await _portal.SignInApiAsync(patient);
        var (_, _, documents) = await _portal.PatientWithDocumentsAsync(1);
        var model = _portal.Services.GetRequiredService<KaitiakiDb>().Model;
        var patientId = patient.PatientId!.Value;
        // Every marked table now has a row (SQLite's triggers run once per row written).
        Assert.True(await MovesAsync(db => db.Database.ExecuteSqlAsync($"""
            INSERT INTO "ProxyGrants" ("Id", "ProxyAccountId", "PatientId", "Reason", "GrantedAt") VALUES ({Guid.NewGuid()}, {proxy.AccountId}, {patientId}, {1}, {DateTime.UtcNow})
            """)));

        foreach (var (entity, mark) in AccessStateTriggers.Marked(model))
        {
            var table = entity.GetTableName()!;
            var column = mark.Columns.FirstOrDefault() ?? entity.GetProperties().First(p => !p.IsPrimaryKey()).Name;
            // Names from the EF model, not from input.
            var sql = $"UPDATE \"{table}\" SET \"{column}\" = \"{column}\"";
            var moved = await MovesAsync(db => db.Database.ExecuteSqlRawAsync(sql));
            Assert.True(moved, $"A raw UPDATE of {table}.{column} did not move the access revision.");
        }
        Assert.True(await MovesAsync(db => db.Enrolments.Where(e => e.PatientId == patientId).ExecuteUpdateAsync(e => e.SetProperty(x => x.StartedOn, x => x.StartedOn))));
        Assert.True(await MovesAsync(db => db.Documents.Where(d => d.Id == documents[0]).ExecuteUpdateAsync(d => d.SetProperty(x => x.HiddenAt, DateTime.UtcNow))));
        Assert.True(await MovesAsync(db => db.Enrolments.Where(e => e.PatientId == patientId).ExecuteDeleteAsync()));

        // Columns that decide nothing, and tables that are not access state, leave it alone.
        Assert.False(await MovesAsync(db => db.Sessions.ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, x => x.LastSeenAt))));
        Assert.False(await MovesAsync(db => db.Users.ExecuteUpdateAsync(a => a.SetProperty(x => x.AccessFailedCount, x => x.AccessFailedCount))));
        Assert.False(await MovesAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE \"Invitations\" SET \"FailedAttempts\" = \"FailedAttempts\"")));
    }

    [Fact]
    public async Task A_session_revoked_or_a_membership_ended_with_ExecuteUpdate_takes_effect_on_the_very_next_download()
    {
        var (patient, client, ids) = await _portal.PatientWithDocumentsAsync(1);
        var practiceId = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == patient.PatientId).Select(e => e.PracticeId).SingleAsync());
        var practice = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Practices.SingleAsync(p => p.Id == practiceId));
        var clinicianUser = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var clinician = await _portal.SignInApiAsync(clinicianUser);
        var url = $"/api/v1/documents/{ids[0]}/content";
        // Twice each, so the second answer comes from remembered decisions.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync(url)).StatusCode);
        }

        await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Sessions.Where(s => s.AccountId == patient.AccountId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, DateTime.UtcNow)));
        await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().StaffMemberships.Where(m => m.AccountId == clinicianUser.AccountId)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.EndedAt, DateTime.UtcNow)));

        var revoked = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        var ended = await clinician.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, ended.StatusCode);
        Assert.DoesNotContain("%PDF", await ended.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<bool> MovesAsync(Func<KaitiakiDb, Task<int>> write)
    {
        var before = await _portal.AccessRevisionAsync();
        await _portal.WithScopeAsync(sp => write(sp.GetRequiredService<KaitiakiDb>()));
        return await _portal.AccessRevisionAsync() > before;
    }

    [GeneratedRegex("(?:FROM|JOIN)\\s+\"([A-Za-z]+)\"")]
    private static partial Regex TableNames();

    /// <summary>Records the text of every command while started.</summary>
    private sealed class SqlCapture : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<string> _commands = new();
        private volatile bool _on;

        public void Start()
        {
            _commands.Clear();
            _on = true;
        }

        public List<string> Stop()
        {
            _on = false;
            return [.. _commands];
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
            CancellationToken cancellationToken = default)
        {
            Capture(command);
            return base.ReaderExecutedAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
            CancellationToken cancellationToken = default)
        {
            Capture(command);
            return base.ScalarExecutedAsync(command, eventData, result, cancellationToken);
        }

        private void Capture(DbCommand command)
        {
            if (_on)
            {
                _commands.Enqueue(command.CommandText);
            }
        }
    }
}
