using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Kaitiaki.Storage;

/// <summary>
/// Marks an entity whose rows decide who may act on what: the patient-access rule, the session query or a guard reads
/// it. A write to its table moves the access revision in the same transaction, by a database trigger, so it moves for a
/// save through EF, for <c>ExecuteUpdate</c>, for raw SQL and for another process alike. Every entity the access rule
/// reads must carry this mark (<c>AccessStateTests</c> checks), and every mark needs its triggers in a migration.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class AccessStateAttribute : Attribute
{
    /// <summary>
    /// The properties whose update can change access; empty means any. New rows count only with <see cref="CountsInserts"/>:
    /// a new session or a new document takes nothing away from anyone.
    /// </summary>
    public string[] Columns { get; init; } = [];

    public bool CountsInserts { get; init; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, AccessStateAttribute?> Marks = new();

    /// <summary>The mark an entity type carries, or null.</summary>
    public static AccessStateAttribute? Of(Type entityType) =>
        Marks.GetOrAdd(entityType, t => t.GetCustomAttributes(typeof(AccessStateAttribute), false).OfType<AccessStateAttribute>().FirstOrDefault());
}

/// <summary>The triggers the marks call for, named and written the same way on SQLite and PostgreSQL.</summary>
internal static class AccessStateTriggers
{
    public sealed record Trigger(string Name, string Table, string Operation, IReadOnlyList<string> Columns);

    public static IEnumerable<(IEntityType Entity, AccessStateAttribute Mark)> Marked(IModel model) =>
        model.GetEntityTypes()
            .Select(e => (Entity: e, Mark: AccessStateAttribute.Of(e.ClrType)))
            .Where(x => x.Mark is not null)
            .Select(x => (x.Entity, x.Mark!));

    /// <summary>Every trigger the model's marks need.</summary>
    public static List<Trigger> Expected(IModel model)
    {
        var triggers = new List<Trigger>();
        foreach (var (entity, mark) in Marked(model))
        {
            var table = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var columns = mark.Columns.Select(p => entity.FindProperty(p)?.GetColumnName(store)
                                                   ?? throw new InvalidOperationException($"{entity.ClrType.Name} has no property {p}.")).ToList();
            triggers.Add(new Trigger(Name(table, "update"), table, "UPDATE", columns));
            triggers.Add(new Trigger(Name(table, "delete"), table, "DELETE", []));
            if (mark.CountsInserts)
            {
                triggers.Add(new Trigger(Name(table, "insert"), table, "INSERT", []));
            }
        }
        return triggers;
    }

    /// <summary>The statements that create <paramref name="triggers"/>; a migration keeps its own copy of what they were.</summary>
    public static string CreateSql(IEnumerable<Trigger> triggers, bool postgres)
    {
        var sql = new System.Text.StringBuilder();
        if (postgres)
        {
            sql.AppendLine($"CREATE OR REPLACE FUNCTION {PostgresFunction}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {BumpSql}; RETURN NULL; END $$;");
        }
        foreach (var t in triggers)
        {
            var of = t.Columns.Count == 0 ? "" : " OF " + string.Join(", ", t.Columns.Select(c => $"\"{c}\""));
            sql.AppendLine(postgres
                ? $"CREATE TRIGGER {t.Name} AFTER {t.Operation}{of} ON \"{t.Table}\" FOR EACH STATEMENT EXECUTE FUNCTION {PostgresFunction}();"
                : $"CREATE TRIGGER {t.Name} AFTER {t.Operation}{of} ON \"{t.Table}\" BEGIN {BumpSql}; END;");
        }
        return sql.ToString();
    }

    public static string DropSql(IEnumerable<Trigger> triggers, bool postgres) =>
        string.Concat(triggers.Select(t => postgres ? $"DROP TRIGGER IF EXISTS {t.Name} ON \"{t.Table}\";\n" : $"DROP TRIGGER IF EXISTS {t.Name};\n"))
        + (postgres ? $"DROP FUNCTION IF EXISTS {PostgresFunction}();\n" : "");

    /// <summary>The names of the access-state triggers the database holds now.</summary>
    public static async Task<List<string>> InDatabaseAsync(KaitiakiDb db, CancellationToken cancellationToken) =>
        db.IsPostgres
            ? await db.Database.SqlQueryRaw<string>("SELECT tgname AS \"Value\" FROM pg_trigger WHERE tgname LIKE 'access_state_%'").ToListAsync(cancellationToken)
            : await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_state_%'").ToListAsync(cancellationToken);

    private const string PostgresFunction = "kaitiaki_access_changed";

    private static readonly string BumpSql = $"UPDATE \"AccessRevisions\" SET \"Value\" = \"Value\" + 1 WHERE \"Id\" = {AccessRevision.SingletonId}";

    private static string Name(string table, string operation) => $"access_state_{table.ToLowerInvariant()}_{operation}";
}
