namespace Kaitiaki.Incidents;

internal static class IncidentsSetup
{
    public static IServiceCollection AddIncidents(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<KaitiakiOptions>().Incidents);
        services.AddScoped<IncidentService>();
        services.AddScoped<Scoping>();
        services.AddScoped<PracticeReview>();
        services.AddScoped<SecurityStatuses>();
        services.AddScoped<VerificationPhrases>();
        services.AddScoped<PatientSideStatuses>();
        services.AddScoped<Helpline>();
        return services;
    }
}
