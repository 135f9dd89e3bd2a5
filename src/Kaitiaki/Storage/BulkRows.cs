using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Kaitiaki.Storage;

/// <summary>
/// Writes many rows of one entity type straight to its table, as EF would store them (the same columns, value
/// conversions and formats), without the change tracker: a prepared insert on SQLite, a binary COPY on PostgreSQL. For
/// rows that need nothing of <see cref="KaitiakiDb.SaveChangesAsync(bool, CancellationToken)"/>: no audit event to seal
/// and no access state to move. It joins the context's open transaction when there is one.
/// </summary>
internal static class BulkRows
{
    public static async Task<long> WriteAsync<T>(KaitiakiDb db, IEnumerable<T> rows, CancellationToken cancellationToken) where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity of the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Select(p => new Column(p.GetColumnName(table)!, p.GetGetter(), p.GetTypeMapping().Converter))
            .ToList();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return db.IsPostgres
                ? await CopyAsync((NpgsqlConnection)db.Database.GetDbConnection(), table.Name, columns, rows, cancellationToken)
                : await InsertAsync(db, table.Name, columns, rows, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private sealed record Column(string Name, IClrPropertyGetter Getter, Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter)
    {
        public object? Value(object row)
        {
            var value = Getter.GetClrValueUsingContainingEntity(row);
            return value is null || Converter is null ? value : Converter.ConvertToProvider(value);
        }
    }

    private static async Task<long> InsertAsync<T>(KaitiakiDb db, string table, List<Column> columns, IEnumerable<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        var outer = db.Database.CurrentTransaction?.GetDbTransaction();
        // SQLite's page cache is 2 MB unless set: too small for the indexes of hundreds of thousands of new rows, whose
        // pages would be written out and read back again and again. Widened for the load, then put back, whatever
        // happens: the connection goes back to the pool with it.
        var cache = await PragmaAsync(connection, outer, "cache_size", null, cancellationToken);
        var widened = false;
        // Without the caller's transaction, this process's other writers wait for the load as for any write.
        using var gate = outer is null ? await db.EnterWriteGateAsync(cancellationToken, evenWithoutChanges: true) : null;
        SqliteTransaction? own = null;
        long written = 0;
        try
        {
            if (cache is { } kept && (kept < 0 ? -kept : kept * 4) < BulkCacheKibibytes)
            {
                widened = true;
                await PragmaAsync(connection, outer, "cache_size", -BulkCacheKibibytes, cancellationToken);
            }
            own = outer is null ? (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken) : null;
            var transaction = (SqliteTransaction)(outer ?? own)!;
            // One row a statement, prepared once. Measured at 500,000 rows, batches of 16 or 200 rows a statement were
            // slower: SQLite finds each named parameter by a linear search, so binding grows with the square of a batch.
            await using var command = Statement(connection, transaction, table, columns);
            foreach (var row in rows)
            {
                for (var i = 0; i < columns.Count; i++)
                {
                    Bind(command.Parameters[i], columns[i].Value(row));
                }
                if (written == 0)
                {
                    command.Prepare();
                }
                await command.ExecuteNonQueryAsync(cancellationToken);
                written++;
            }
            if (own is not null)
            {
                await own.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
            if (widened)
            {
                await PragmaAsync(connection, outer, "cache_size", cache, CancellationToken.None);
            }
        }
        return written;
    }

    private static SqliteCommand Statement(SqliteConnection connection, SqliteTransaction transaction, string table, List<Column> columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) "
                              + $"VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        for (var i = 0; i < columns.Count; i++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        return command;
    }

    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The page cache a bulk insert on SQLite may grow to, in KiB: 1 GiB (pages are taken only as needed).</summary>
    private const long BulkCacheKibibytes = 1024 * 1024;

    /// <summary>Reads a pragma, or sets it when <paramref name="value"/> is given; the value it has afterwards.</summary>
    private static async Task<long?> PragmaAsync(SqliteConnection connection, System.Data.Common.DbTransaction? transaction, string name, long? value, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = (SqliteTransaction?)transaction;
        command.CommandText = value is { } v ? $"PRAGMA {name} = {v}" : $"PRAGMA {name}";
        await command.ExecuteNonQueryAsync(cancellationToken);
        command.CommandText = $"PRAGMA {name}";
        return await command.ExecuteScalarAsync(cancellationToken) is long now ? now : null;
    }

    /// <summary>Binds a value as EF Core's SQLite provider stores it: GUIDs as upper-case text, times and dates as ISO text.</summary>
    private static void Bind(SqliteParameter parameter, object? value)
    {
        switch (value)
        {
            case null:
                parameter.SqliteType = SqliteType.Text;
                parameter.Value = DBNull.Value;
                break;
            case Guid g:
                parameter.SqliteType = SqliteType.Text;
                parameter.Value = string.Create(36, g, static (text, id) =>
                {
                    id.TryFormat(text, out _);
                    for (var i = 0; i < text.Length; i++)
                    {
                        text[i] = char.ToUpperInvariant(text[i]);
                    }
                });
                break;
            case DateTime t:
                parameter.SqliteType = SqliteType.Text;
                parameter.Value = t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                break;
            case DateOnly d:
                parameter.SqliteType = SqliteType.Text;
                parameter.Value = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                break;
            case bool b:
                parameter.SqliteType = SqliteType.Integer;
                parameter.Value = b ? 1L : 0L;
                break;
            case byte[] bytes:
                parameter.SqliteType = SqliteType.Blob;
                parameter.Value = bytes;
                break;
            case string s:
                parameter.SqliteType = SqliteType.Text;
                parameter.Value = s;
                break;
            case int or long or short or byte:
                parameter.SqliteType = SqliteType.Integer;
                parameter.Value = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                break;
            default:
                throw new InvalidOperationException($"Bulk rows cannot store a {value.GetType().Name} on SQLite.");
        }
    }

    private static async Task<long> CopyAsync<T>(NpgsqlConnection connection, string table, List<Column> columns, IEnumerable<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        long written = 0;
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        // The server checks foreign keys as the copy completes: millions of rows take longer than a command's usual 30 s.
        importer.Timeout = CopyTimeout;
        foreach (var row in rows)
        {
            await importer.StartRowAsync(cancellationToken);
            foreach (var column in columns)
            {
                var value = column.Value(row);
                switch (value)
                {
                    case null: await importer.WriteNullAsync(cancellationToken); break;
                    case Guid g: await importer.WriteAsync(g, NpgsqlDbType.Uuid, cancellationToken); break;
                    case DateTime { Kind: DateTimeKind.Utc } t: await importer.WriteAsync(t, NpgsqlDbType.TimestampTz, cancellationToken); break;
                    case DateTime: throw new InvalidOperationException($"Bulk rows store times in UTC only; a {column.Name} was not.");
                    case DateOnly d: await importer.WriteAsync(d, NpgsqlDbType.Date, cancellationToken); break;
                    case bool b: await importer.WriteAsync(b, NpgsqlDbType.Boolean, cancellationToken); break;
                    case byte[] bytes: await importer.WriteAsync(bytes, NpgsqlDbType.Bytea, cancellationToken); break;
                    case string s: await importer.WriteAsync(s, NpgsqlDbType.Text, cancellationToken); break;
                    case int i: await importer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken); break;
                    case long l: await importer.WriteAsync(l, NpgsqlDbType.Bigint, cancellationToken); break;
                    case short s16: await importer.WriteAsync(s16, NpgsqlDbType.Smallint, cancellationToken); break;
                    default: throw new InvalidOperationException($"Bulk rows cannot store a {value.GetType().Name} on PostgreSQL.");
                }
            }
            written++;
        }
        await importer.CompleteAsync(cancellationToken);
        return written;
    }

    /// <summary>
    /// Drops an entity's secondary indexes and gives back the SQL that makes them again, so a big load writes the
    /// table alone and each index is built once, sorted, afterwards. Primary keys stay.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DropIndexesAsync<T>(KaitiakiDb db, CancellationToken cancellationToken) where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var remake = new List<string>();
        foreach (var index in entity.GetIndexes())
        {
            var name = index.GetDatabaseName(table)!;
            var columns = string.Join(", ", index.Properties.Select(p => $"\"{p.GetColumnName(table)}\""));
            var filter = index.GetFilter() is { } where ? $" WHERE {where}" : "";
            remake.Add($"CREATE {(index.IsUnique ? "UNIQUE " : "")}INDEX \"{name}\" ON \"{table.Name}\" ({columns}){filter}");
            // The name comes from the model, never from input.
            var drop = $"DROP INDEX IF EXISTS \"{name}\"";
            await db.Database.ExecuteSqlRawAsync(drop, cancellationToken);
        }
        return remake;
    }

    public static async Task RunAsync(KaitiakiDb db, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(TimeSpan.FromHours(2));
        try
        {
            foreach (var sql in statements)
            {
                await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
            }
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
    }
}
