using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Kaitiaki.Audit;

internal static class AuditSetup
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditStream>();
        services.AddSingleton<AuditLedger>();
        services.AddSingleton<IInterceptor, AuditLedger.CommitInterceptor>();
        services.AddScoped<AuditTrail>();
        services.AddSingleton<AuditWriter>();
        services.AddScoped<AuditVerifier>();
        services.AddScoped<AccessLog>();
        services.AddScoped<AuditTrailSearch>();
        services.AddScoped<AccountSecurityLookup>();
        services.AddScoped<FhirAuditExport>();
        services.AddSingleton<AuditCheckpoints>();
        // Before anything else that might record an event: the stream must know where the chain starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, AuditStreamStart>());
        services.AddHostedService<AuditCheckpointService>();
        return services;
    }

    /// <summary>
    /// Reads the chain head when the portal starts and starts the stream after it. A portal that cannot read the head
    /// cannot extend the chain, so it does not start at all.
    /// </summary>
    private sealed class AuditStreamStart(IServiceScopeFactory scopes, AuditStream stream) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            long head;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                head = await scope.ServiceProvider.GetRequiredService<KaitiakiDb>().AuditEvents
                    .OrderByDescending(e => e.Sequence).Select(e => e.Sequence).FirstOrDefaultAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidOperationException(
                    "Kaitiaki cannot start: the head of the audit trail could not be read from the database " +
                    $"({ex.GetType().Name}: {ex.Message}). Every event must extend the chain, so nothing can be served without it. " +
                    "Check the database settings and connection, run `kaitiaki migrate`, then `kaitiaki audit verify`.", ex);
            }
            stream.Start(head);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
