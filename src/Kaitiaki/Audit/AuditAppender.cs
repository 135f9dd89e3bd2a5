using System.Data.Common;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

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
    private readonly string[] _parameterNames;

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
        _parameterNames = new string[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            names.Add(sql.DelimitIdentifier(_columns[i].GetColumnName(table)!));
            placeholders.Add(sql.GenerateParameterNamePlaceholder("p" + i));
            _parameterNames[i] = sql.GenerateParameterName("p" + i);
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
        _revision.CommandText =
            $"SELECT {sql.DelimitIdentifier(revisions.FindProperty(nameof(AccessRevision.Value))!.GetColumnName(revisionTable)!)} " +
            $"FROM {sql.DelimitIdentifier(revisionTable.Name, revisionTable.Schema)} " +
            $"WHERE {sql.DelimitIdentifier(revisions.FindProperty(nameof(AccessRevision.Id))!.GetColumnName(revisionTable)!)} = {AccessRevision.SingletonId}";

        if (db.IsPostgres)
        {
            _lock = connection.CreateCommand();
            _lock.CommandText = AuditChain.PostgresLockSql;
        }
    }

    public async Task<long> ReadRevisionAsync()
    {
        Enlist(_revision);
        return Convert.ToInt64(await _revision.ExecuteScalarAsync(CancellationToken.None), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Links the events onto the chain head and inserts them, inside the transaction the writer holds.</summary>
    public async Task AppendAsync(IReadOnlyList<AuditEvent> events, AuditChain chain)
    {
        if (_lock is not null)
        {
            // SQLite's write transaction already excludes other writers; PostgreSQL needs the same lock as every other writer of the chain.
            Enlist(_lock);
            await _lock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        long? headSequence = null;
        byte[]? headHash = null;
        Enlist(_head);
        await using (var reader = await _head.ExecuteReaderAsync(CancellationToken.None))
        {
            if (await reader.ReadAsync(CancellationToken.None))
            {
                headSequence = reader.GetInt64(0);
                headHash = (byte[])reader.GetValue(1);
            }
        }
        chain.Link(events, headSequence, headHash);
        Enlist(_insert);
        foreach (var auditEvent in events.OrderBy(e => e.Sequence))
        {
            _insert.Parameters.Clear();
            for (var i = 0; i < _columns.Length; i++)
            {
                var column = _columns[i];
                var mapping = (RelationalTypeMapping)column.GetTypeMapping();
                _insert.Parameters.Add(mapping.CreateParameter(_insert, _parameterNames[i], column.GetGetter().GetClrValueUsingContainingEntity(auditEvent), column.IsNullable));
            }
            await _insert.ExecuteNonQueryAsync(CancellationToken.None);
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
