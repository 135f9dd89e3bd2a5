using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

internal static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddScoped<AccountHolds>();
        services.AddScoped<SecurityConsole>();
        services.AddScoped<Canaries>();
        services.AddScoped<StepUps>();
        services.AddScoped<ReadActivity>();
        services.AddScoped<RemediationPicker>();
        services.AddSingleton<RemediationBatches>();
        services.AddSingleton<IDetectionState, InMemoryDetectionState>();
        services.AddSingleton<AlertFeed>();
        services.AddSingleton<Containment>();
        services.AddSingleton<PracticeSwitches>();
        services.AddSingleton<Detector>();
        services.AddSingleton<IAccessGuard>(sp => sp.GetRequiredService<Detector>());
        services.AddSingleton<IAuditSubscriber>(sp => sp.GetRequiredService<Detector>());
        services.AddHostedService<SecurityStateRestore>();
        services.AddScoped<CredentialRemediation>();
        services.AddScoped<IRemediation>(sp => sp.GetRequiredService<CredentialRemediation>());
        services.AddHostedService<AlertSender>();
        return services;
    }

    /// <summary>
    /// Puts the actions in force and the decoy patients into the detector's state when the portal starts, before it
    /// serves anything: a portal that forgot a block on restart would be a way round it.
    /// </summary>
    private sealed class SecurityStateRestore(Containment containment, IDetectionState state, IServiceScopeFactory scopes, TimeProvider clock) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await containment.RestoreAsync(cancellationToken);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            var now = clock.GetUtcNow();
            foreach (var decoy in await db.Patients.AsNoTracking().Where(p => p.IsDecoy).Select(p => p.Id).ToListAsync(cancellationToken))
            {
                await state.TrySetAsync(Detector.CanaryKey(decoy), null, now);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
