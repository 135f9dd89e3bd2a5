namespace Kaitiaki.Practices;

public static class PracticesSetup
{
    public static IServiceCollection AddPractices(this IServiceCollection services)
    {
        services.AddScoped<PracticeService>();
        return services;
    }
}
