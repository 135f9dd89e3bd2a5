namespace Kaitiaki.Audit;

public static class AuditSetup
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddScoped<AuditTrail>();
        services.AddSingleton<AuditWriter>();
        services.AddScoped<AuditVerifier>();
        services.AddScoped<AccessLog>();
        services.AddScoped<FhirAuditExport>();
        services.AddSingleton<AuditCheckpoints>();
        services.AddHostedService<AuditCheckpointService>();
        return services;
    }
}
