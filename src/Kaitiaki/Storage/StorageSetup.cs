using Kaitiaki.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Kaitiaki.Storage;

internal static class StorageSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services, KaitiakiOptions options, IConfiguration configuration)
    {
        services.AddSingleton<KeyFiles>();
        services.AddSingleton<MasterKeys>();
        services.AddSingleton<AuditChain>();
        services.AddSingleton<AccessRevisions>();
        services.AddSingleton(typeof(AccessCache<,>));
        services.AddScoped<RememberedDecisions>();
        if (options.DatabaseProvider == "postgres")
        {
            var connection = configuration.GetConnectionString("Kaitiaki");
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new InvalidOperationException(
                    "Kaitiaki:DatabaseProvider is 'postgres' but ConnectionStrings:Kaitiaki (environment ConnectionStrings__Kaitiaki) is not set.");
            }
            services.AddDbContextPool<KaitiakiDb, PostgresKaitiakiDb>((sp, o) => o.UseNpgsql(connection).AddInterceptors(Interceptors(sp)));
        }
        else
        {
            var connection = configuration.GetConnectionString("Kaitiaki");
            if (string.IsNullOrWhiteSpace(connection))
            {
                connection = $"Data Source={Path.Combine(options.DataPath, "kaitiaki.db")};Foreign Keys=True";
            }
            // Contexts are pooled: every request needs one (most only to hand to a service), and setting one up from
            // scratch costs more than most requests' queries do.
            services.AddDbContextPool<KaitiakiDb, SqliteKaitiakiDb>((sp, o) => o.UseSqlite(connection).AddInterceptors(Interceptors(sp)));
        }
        return services;
    }

    /// <summary>Interceptors that features register (the audit ledger learns of commits this way); every context carries them.</summary>
    private static IInterceptor[] Interceptors(IServiceProvider services) => [.. services.GetServices<IInterceptor>()];

    /// <summary>Creates the data folders and brings the database schema up to date.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<KaitiakiOptions>();
        OwnerOnly.CreateDirectory(options.DataPath);
        OwnerOnly.CreateDirectory(options.KeysPath);
        OwnerOnly.CreateDirectory(Path.Combine(options.KeysPath, "data-protection"));
        OwnerOnly.CreateDirectory(options.AuditCheckpointPath);
        OwnerOnly.CreateDirectory(Path.Combine(options.DataPath, "documents"));
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
        if (!db.IsPostgres && new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource is { Length: > 0 } file
            && file != ":memory:")
        {
            // SQLite would create the file with the process's default mode; made first, it is owner-only, and SQLite
            // gives its -wal and -shm files the database file's mode.
            OwnerOnly.Touch(file);
        }
        // A migration may build an index over the whole audit trail, which takes minutes at a national portal's size;
        // the pooled context's usual timeout is put back before anything else uses it.
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
        }
        if (!db.IsPostgres)
        {
            // WAL lets readers carry on while the one writer writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build each provider's context without starting the portal.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKaitiakiDb>
{
    public SqliteKaitiakiDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteKaitiakiDb>().UseSqlite("Data Source=design.db")
            .UseApplicationServiceProvider(DesignTimeServices.Identity).Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKaitiakiDb>
{
    public PostgresKaitiakiDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresKaitiakiDb>().UseNpgsql("Host=localhost")
            .UseApplicationServiceProvider(DesignTimeServices.Identity).Options);
}

/// <summary>Identity reads its schema version (3, with passkeys) from options; tooling needs the same options as the portal.</summary>
internal static class DesignTimeServices
{
    public static readonly IServiceProvider Identity = new ServiceCollection()
        .Configure<Microsoft.AspNetCore.Identity.IdentityOptions>(o => o.Stores.SchemaVersion = Microsoft.AspNetCore.Identity.IdentitySchemaVersions.Version3)
        .AddSingleton(AuditChain.ForDesignTime())
        .AddSingleton<AuditStream>()
        .AddSingleton<AuditLedger>()
        .AddSingleton<AccessRevisions>()
        .BuildServiceProvider();
}
