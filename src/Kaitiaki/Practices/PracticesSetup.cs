namespace Kaitiaki.Practices;

internal static class PracticesSetup
{
    public static IServiceCollection AddPractices(this IServiceCollection services)
    {
        services.AddScoped<PracticeService>();
        services.AddScoped<EnrolmentService>();
        services.AddScoped<PatientAccess>();
        services.AddScoped<StaffAccess>();
        return services;
    }
}
