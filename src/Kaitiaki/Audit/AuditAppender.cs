using System.Data.Common;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kaitiaki.Audit;

/// <summary>
/// The statements of <see cref="AuditWriter"/>'s transaction, run on its own open connection with commands that are
/// built once and reused. Every download waits for its event to be committed, and the writer commits one batch at a
/// time, so the time a batch takes bounds how many downloads a second the portal can serve; change tracking and query
/// translation cost several times what the statements themselves do. The insert is built from the EF model (table,
/// columns, and each column's type mapping and converter), so an event is stored exactly as a save through EF stores it.
/// </summary>
internal sealed class AuditAppender : IDisposable
{
    private readonly KaitiakiDb _db;
    private readonly IProperty[] _columns;
    private readonly DbCommand _insert;
    private readonly DbCommand _head;
    private readonly DbCommand _revision;
    private readonly DbCommand? _lock;
    private readonly DbParameter[] _parameters;
    private readonly ValueConverter?[] _converters;

    public AuditAppender(KaitiakiDb db)
    {
        _db = db;
        var sql = db.GetService<ISqlGenerationHelper>();
        var entity = db.Model.FindEntityType(typeof(AuditEvent))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _columns = [.. entity.GetProperties()];
        var connection = db.Database.GetDbConnection();

        _insert = connection.CreateCommand();
        var names = new List<string>();
        var placeholders = new List<string>();
        _parameters = new DbParameter[_columns.Length];
        _converters = new ValueConverter?[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            names.Add(sql.DelimitIdentifier(column.GetColumnName(table)!));
            placeholders.Add(sql.GenerateParameterNamePlaceholder("p" + i));
            // Each parameter is set up once by the column's own type mapping; only its value changes from row to row.
            var mapping = (RelationalTypeMapping)column.GetTypeMapping();
            _parameters[i] = mapping.CreateParameter(_insert, sql.GenerateParameterName("p" + i), null, column.IsNullable);
            _converters[i] = mapping.Converter;
            _insert.Parameters.Add(_parameters[i]);
        }
        _insert.CommandText =
            $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", names)}) VALUES ({string.Join(", ", placeholders)})";

        var sequence = sql.DelimitIdentifier(entity.FindProperty(nameof(AuditEvent.Sequence))!.GetColumnName(table)!);
        var hash = sql.DelimitIdentifier(entity.FindProperty(nameof(AuditEvent.Hash))!.GetColumnName(table)!);
        _head = connection.CreateCommand();
        _head.CommandText = $"SELECT {sequence}, {hash} FROM {sql.DelimitIdentifier(table.Name, table.Schema)} ORDER BY {sequence} DESC LIMIT 1";

        var revisions = db.Model.FindEntityType(typeof(AccessRevision))!;
        var revisionTable = StoreObjectIdentifier.Table(revisions.GetTableName()!, revisions.GetSchema());
        _revision = connection.CreateCommand();
        // On PostgreSQL the read waits for any transaction that has moved the counter but not yet committed, and then sees
        // the new value; SQLite's write transaction already excludes every other writer.
        _revision.CommandText =
            $"SELECT {sql.DelimitIdentifier(revisions.FindProperty(nameof(AccessRevision.Value))!.GetColumnName(revisionTable)!)} " +
            $"FROM {sql.DelimitIdentifier(revisionTable.Name, revisionTable.Schema)} " +
            $"WHERE {sql.DelimitIdentifier(revisions.FindProperty(nameof(AccessRevision.Id))!.GetColumnName(revisionTable)!)} = {AccessRevision.SingletonId}" +
            (db.IsPostgres ? " FOR SHARE" : "");

        if (db.IsPostgres)
        {
            _lock = connection.CreateCommand();
            _lock.CommandText = AuditChain.PostgresLockSql;
        }
    }

    /// <summary>
    /// The access revision, read under the chain's lock: a save that records events (a revocation does) holds that lock
    /// until it commits, so the revision read here is never older than a change whose events precede this batch's.
    /// </summary>
    public long ReadRevision()
    {
        LockChain();
        Enlist(_revision);
        return Convert.ToInt64(_revision.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Links the events onto the chain head and inserts them, inside the transaction the writer holds.</summary>
    public void Append(IReadOnlyList<AuditEvent> events, AuditChain chain)
    {
        LockChain();
        long? headSequence = null;
        byte[]? headHash = null;
        Enlist(_head);
        using (var reader = _head.ExecuteReader())
        {
            if (reader.Read())
            {
                headSequence = reader.GetInt64(0);
                headHash = (byte[])reader.GetValue(1);
            }
        }
        chain.Link(events, headSequence, headHash);
        Enlist(_insert);
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
            _insert.ExecuteNonQuery();
        }
    }

    /// <summary>SQLite's write transaction already excludes other writers; PostgreSQL needs the lock every writer of the chain takes.</summary>
    private void LockChain()
    {
        if (_lock is not null)
        {
            // Taken again in the same transaction, the lock is simply held twice until the transaction ends.
            Enlist(_lock);
            _lock.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        _insert.Dispose();
        _head.Dispose();
        _revision.Dispose();
        _lock?.Dispose();
    }

    private void Enlist(DbCommand command) => command.Transaction = _db.Database.CurrentTransaction?.GetDbTransaction();
}
