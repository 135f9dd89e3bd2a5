using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Kaitiaki.Storage;

namespace Kaitiaki.Accounts;

internal static class AccountsSetup
{
    public const int PasswordIterations = 210_000;
    public const string CookieScheme = "KaitiakiCookie";
    public const string BearerScheme = "Bearer";
    public const string SelectorScheme = "Kaitiaki";
    public const string CookieBareName = "kaitiaki";

    public const string PatientPolicy = "patient";
    public const string StaffPolicy = "staff";
    public const string PracticeAdministratorPolicy = "practice-administrator";
    public const string OperatorPolicy = "operator";
    public const string SecurityPolicy = "security";

    /// <summary>Security analysts alone: the detection console, containment, switches and canaries.</summary>
    public const string SecurityAnalystPolicy = "security-analyst";
    public const string SupportPolicy = "support";
    public const string IncidentManagerPolicy = "incident-manager";
    public const string HelplinePolicy = "helpline";
    public const string ApiPolicy = "api";

    /// <summary>Whether the request is for the JSON API, which is authenticated by bearer token alone.</summary>
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    /// <summary>
    /// Passkeys are accepted from the portal's own https origin on the configured domain, and in local
    /// http development from http://localhost on any port.
    /// </summary>
    internal static bool IsAllowedOrigin(string origin, KaitiakiOptions options)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Host, options.PasskeyServerDomain, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        return uri.Scheme == Uri.UriSchemeHttps || (options.LocalHttp && uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
    }

    public static IServiceCollection AddAccounts(this IServiceCollection services, KaitiakiOptions options)
    {
        services.AddIdentityCore<Account>(o =>
            {
                // Length over composition rules, as NIST SP 800-63B advises.
                o.Password.RequiredLength = 12;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddEntityFrameworkStores<KaitiakiDb>()
            .AddUserStore<AccountStore>();
        services.Configure<PasswordHasherOptions>(o =>
        {
            o.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            o.IterationCount = PasswordIterations;
        });

        services.AddScoped<SessionStore>();
        services.AddScoped<SessionPrincipalFactory>();
        services.AddScoped<AccountDirectory>();
        services.AddScoped<SignInService>();
        services.AddScoped<AccessFailures>();
        services.AddScoped<PasswordConfirmation>();
        services.AddScoped<PasswordChanges>();
        services.AddScoped<PasswordRecoveries>();
        services.AddScoped<TotpSeeds>();
        services.AddHostedService<TotpSeedSealing>();
        services.AddScoped<SecurityNotices>();
        services.AddScoped<InvitationService>();
        services.AddScoped<PasskeyService>();
        services.AddScoped<IPasskeyHandler<Account>, PasskeyHandler<Account>>();
        // The relying party id is fixed by configuration, never taken from the request's Host header.
        services.Configure<IdentityPasskeyOptions>(o =>
        {
            o.ServerDomain = options.PasskeyServerDomain;
            o.UserVerificationRequirement = "required";
            o.ResidentKeyRequirement = "required";
            o.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin && IsAllowedOrigin(context.Origin, options));
        });

        services.AddAuthentication(SelectorScheme)
            // The channel decides the scheme, never the request's headers: the JSON API takes bearer tokens only and the
            // pages cookies only. A token stolen from an app must not open the pages (which the audit would then record as
            // the browser), and a browser's cookie must never call the API across sites.
            .AddPolicyScheme(SelectorScheme, "Cookie for pages, bearer token for the API", o =>
                o.ForwardDefaultSelector = context => IsApi(context.Request) ? BearerScheme : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = options.CookieName(CookieBareName);
                o.Cookie.HttpOnly = true;
                o.Cookie.SecurePolicy = options.CookieSecurePolicy;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = options.SessionAbsoluteTimeout;
                o.SlidingExpiration = false;
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/denied";
                o.Events.OnValidatePrincipal = CookieSessionEvents.ValidateAsync;
                o.Events.OnRedirectToLogin = c => CookieSessionEvents.RedirectOrStatusAsync(c, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = c => CookieSessionEvents.RedirectOrStatusAsync(c, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerScheme, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(PatientPolicy, p => p.RequireRole(Roles.Patient))
            .AddPolicy(StaffPolicy, p => p.RequireRole(Roles.Clinician, Roles.PracticeAdministrator, Roles.PrivacyOfficer))
            .AddPolicy(PracticeAdministratorPolicy, p => p.RequireRole(Roles.PracticeAdministrator))
            .AddPolicy(OperatorPolicy, p => p.RequireRole(Roles.SupportAgent, Roles.SecurityAnalyst, Roles.IncidentManager))
            .AddPolicy(SecurityPolicy, p => p.RequireRole(Roles.SecurityAnalyst, Roles.IncidentManager))
            .AddPolicy(SecurityAnalystPolicy, p => p.RequireRole(Roles.SecurityAnalyst))
            .AddPolicy(IncidentManagerPolicy, p => p.RequireRole(Roles.IncidentManager))
            // The breach helpline is for support agents alone: a look-up by three details is theirs, and it is rate-limited as theirs.
            .AddPolicy(HelplinePolicy, p => p.RequireRole(Roles.SupportAgent))
            // Support agents help people who phone in; security analysts look after sessions too, so both may use the support tools.
            .AddPolicy(SupportPolicy, p => p.RequireRole(Roles.SupportAgent, Roles.SecurityAnalyst))
            // The API takes bearer tokens only, so a browser's cookie can never be used to call it across sites.
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser());
        return services;
    }
}
