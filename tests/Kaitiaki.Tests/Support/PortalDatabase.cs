using Npgsql;

namespace Kaitiaki.Tests.Support;

/// <summary>A fresh, empty database for a child-process portal: on the cluster in KAITIAKI_TEST_POSTGRES, otherwise SQLite in the data folder.</summary>
internal sealed class PortalDatabase : IAsyncDisposable
{
    private readonly string? _postgresDatabase;

    private PortalDatabase(IReadOnlyList<string> args, string? postgresDatabase)
    {
        Args = args;
        _postgresDatabase = postgresDatabase;
    }

    /// <summary>The settings that point the portal at this database.</summary>
    public IReadOnlyList<string> Args { get; }

    public static async Task<PortalDatabase> CreateAsync()
    {
        var postgres = Environment.GetEnvironmentVariable(TestPortal.PostgresVariable);
        if (string.IsNullOrEmpty(postgres))
        {
            return new PortalDatabase([], null);
        }
        var database = "kaitiaki_test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(postgres))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new PortalDatabase(
            ["--Kaitiaki:DatabaseProvider=postgres", $"--ConnectionStrings:Kaitiaki={new NpgsqlConnectionStringBuilder(postgres) { Database = database }}"],
            database);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable(TestPortal.PostgresVariable));
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
