namespace Kaitiaki.Security;

internal static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddScoped<AccountHolds>();
        services.AddScoped<CredentialRemediation>();
        return services;
    }
}
