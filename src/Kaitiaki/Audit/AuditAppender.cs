using System.Data.Common;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kaitiaki.Audit;

/// <summary>
/// The statements that put events on the chain, on one context's connection and inside its transaction: take the chain
/// lock, read the head, stamp each event with its patient's practice, and (for <see cref="AuditWriter"/>) insert. Only
/// <see cref="AuditLedger"/> uses it. Commands are built from the EF model (tables, columns, and each column's type
/// mapping and converter) the first time they are needed and then reused, so an event is stored exactly as a save
/// through EF stores it, and the writer's batch after batch costs only the statements themselves.
/// </summary>
internal sealed class AuditAppender : IDisposable
{
    private readonly KaitiakiDb _db;
    private readonly ISqlGenerationHelper _sql;
    private DbCommand? _insert;
    private IProperty[] _columns = [];
    private DbParameter[] _parameters = [];
    private ValueConverter?[] _converters = [];
    private DbCommand? _head;
    private DbCommand? _revision;
    private DbCommand? _lock;
    private DbCommand? _practice;
    private ValueConverter? _patientIdConverter;

    public AuditAppender(KaitiakiDb db)
    {
        _db = db;
        _sql = db.GetService<ISqlGenerationHelper>();
    }

    /// <summary>
    /// Takes the chain lock and reads the head (null for an empty chain). On SQLite the write transaction already
    /// excludes other writers; PostgreSQL takes the advisory lock that every writer of the chain takes, held until commit.
    /// </summary>
    public async ValueTask<(long? Sequence, byte[]? Hash)> LockAndReadHeadAsync(bool async, CancellationToken cancellationToken)
    {
        if (_db.IsPostgres)
        {
            _lock ??= Command(AuditChain.PostgresLockSql);
            await ExecuteAsync(_lock, async, cancellationToken);
        }
        if (_head is null)
        {
            var (table, events) = Table<AuditEvent>();
            _head = Command($"SELECT {Column(events, table, nameof(AuditEvent.Sequence))}, {Column(events, table, nameof(AuditEvent.Hash))} " +
                            $"FROM {Name(table)} ORDER BY {Column(events, table, nameof(AuditEvent.Sequence))} DESC LIMIT 1");
        }
        Enlist(_head);
        await using var reader = async ? await _head.ExecuteReaderAsync(cancellationToken) : _head.ExecuteReader();
        return (async ? await reader.ReadAsync(cancellationToken) : reader.Read()) ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : (null, null);
    }

    /// <summary>
    /// Gives each event about a patient, and with no practice of its own, the practice the patient is enrolled with at
    /// this moment (<see cref="PatientAccess.IsCurrentEnrolment"/>), read inside the chain's lock.
    /// </summary>
    public async ValueTask StampPracticesAsync(IReadOnlyList<AuditEvent> events, bool async, CancellationToken cancellationToken)
    {
        var known = new Dictionary<Guid, Guid?>();
        foreach (var e in events.Where(e => e.PatientId is not null && e.PracticeId is null))
        {
            var patientId = e.PatientId!.Value;
            if (!known.TryGetValue(patientId, out var practiceId))
            {
                known[patientId] = practiceId = await CurrentPracticeAsync(patientId, async, cancellationToken);
            }
            e.PracticeId = practiceId;
        }
    }

    /// <summary>Inserts events already linked onto the chain.</summary>
    public void Insert(IReadOnlyList<AuditEvent> events)
    {
        if (_insert is null)
        {
            BuildInsert();
        }
        Enlist(_insert!);
        foreach (var auditEvent in events.OrderBy(e => e.Sequence))
        {
            for (var i = 0; i < _columns.Length; i++)
            {
                var value = _columns[i].GetGetter().GetClrValueUsingContainingEntity(auditEvent);
                if (value is not null && _converters[i] is { } converter)
                {
                    value = converter.ConvertToProvider(value);
                }
                _parameters[i].Value = value ?? DBNull.Value;
            }
            _insert!.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The access revision, read under the chain's lock: a save that records events (a revocation does) holds that lock
    /// until it commits, so the revision read here is never older than a change whose events precede this batch's.
    /// </summary>
    public async ValueTask<long> ReadRevisionAsync(bool async, CancellationToken cancellationToken)
    {
        if (_db.IsPostgres)
        {
            _lock ??= Command(AuditChain.PostgresLockSql);
            await ExecuteAsync(_lock, async, cancellationToken);
        }
        if (_revision is null)
        {
            var (table, revisions) = Table<AccessRevision>();
            // On PostgreSQL the read waits for any transaction that has moved the counter but not yet committed, and then
            // sees the new value; SQLite's write transaction already excludes every other writer.
            _revision = Command($"SELECT {Column(revisions, table, nameof(AccessRevision.Value))} FROM {Name(table)} " +
                                $"WHERE {Column(revisions, table, nameof(AccessRevision.Id))} = {AccessRevision.SingletonId}" +
                                (_db.IsPostgres ? " FOR SHARE" : ""));
        }
        Enlist(_revision);
        var value = async ? await _revision.ExecuteScalarAsync(cancellationToken) : _revision.ExecuteScalar();
        return Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _insert?.Dispose();
        _head?.Dispose();
        _revision?.Dispose();
        _lock?.Dispose();
        _practice?.Dispose();
    }

    private async ValueTask<Guid?> CurrentPracticeAsync(Guid patientId, bool async, CancellationToken cancellationToken)
    {
        if (_practice is null)
        {
            // The statement EF writes for the access rule's own condition, built once and then reused: the writer runs it
            // for every batch, and the EF query pipeline costs several times what the statement does.
            var sample = Guid.Empty;
            _practice = PatientAccess.CurrentEnrolmentsOf(_db).Where(e => e.PatientId == sample).Select(e => e.PracticeId).Take(1).CreateDbCommand();
            _patientIdConverter = ((RelationalTypeMapping)_db.Model.FindEntityType(typeof(Enrolment))!
                .FindProperty(nameof(Enrolment.PatientId))!.GetTypeMapping()).Converter;
        }
        _practice.Parameters[0].Value = _patientIdConverter?.ConvertToProvider(patientId) ?? patientId;
        Enlist(_practice);
        var value = async ? await _practice.ExecuteScalarAsync(cancellationToken) : _practice.ExecuteScalar();
        return value switch
        {
            null or DBNull => null,
            Guid g => g,
            string text => Guid.Parse(text),
            _ => throw new InvalidOperationException("An enrolment's practice id has an unexpected type."),
        };
    }

    private void BuildInsert()
    {
        var (table, entity) = Table<AuditEvent>();
        _columns = [.. entity.GetProperties()];
        _insert = Command("");
        var names = new List<string>();
        var placeholders = new List<string>();
        _parameters = new DbParameter[_columns.Length];
        _converters = new ValueConverter?[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            names.Add(_sql.DelimitIdentifier(column.GetColumnName(table)!));
            placeholders.Add(_sql.GenerateParameterNamePlaceholder("p" + i));
            // Each parameter is set up once by the column's own type mapping; only its value changes from row to row.
            var mapping = (RelationalTypeMapping)column.GetTypeMapping();
            _parameters[i] = mapping.CreateParameter(_insert, _sql.GenerateParameterName("p" + i), null, column.IsNullable);
            _converters[i] = mapping.Converter;
            _insert.Parameters.Add(_parameters[i]);
        }
        _insert.CommandText = $"INSERT INTO {Name(table)} ({string.Join(", ", names)}) VALUES ({string.Join(", ", placeholders)})";
    }

    private (StoreObjectIdentifier Table, IEntityType Entity) Table<T>()
    {
        var entity = _db.Model.FindEntityType(typeof(T))!;
        return (StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema()), entity);
    }

    private string Column(IEntityType entity, StoreObjectIdentifier table, string property) =>
        _sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);

    private string Name(StoreObjectIdentifier table) => _sql.DelimitIdentifier(table.Name, table.Schema);

    private DbCommand Command(string text)
    {
        var command = _db.Database.GetDbConnection().CreateCommand();
        command.CommandText = text;
        return command;
    }

    private async ValueTask ExecuteAsync(DbCommand command, bool async, CancellationToken cancellationToken)
    {
        Enlist(command);
        if (async)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            command.ExecuteNonQuery();
        }
    }

    private void Enlist(DbCommand command) => command.Transaction = _db.Database.CurrentTransaction?.GetDbTransaction();
}
