using Kaitiaki.Incidents;
using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Notifications;
using Kaitiaki.Practices;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Kaitiaki.Web;

namespace Kaitiaki;

/// <summary>Builds the portal: the same services serve web requests and back the command-line verbs.</summary>
internal static class KaitiakiHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // Settings files sit beside the executable, so the verbs behave the same from any folder;
        // relative data paths still resolve against the folder the command runs in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            // Pages are found in the application's assembly, even when a test process hosts it.
            ApplicationName = typeof(KaitiakiHost).Assembly.GetName().Name,
        });
        var options = builder.Configuration.GetSection(KaitiakiOptions.Section).Get<KaitiakiOptions>() ?? new KaitiakiOptions();
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddPortalClock(options);
        builder.Services.AddHttpContextAccessor();

        builder.Services.AddStorage(options, builder.Configuration);
        builder.AddDataProtectionKeys(options);
        builder.Services.AddAccounts(options);
        builder.Services.AddAudit();
        builder.Services.AddPractices();
        builder.Services.AddDocuments();
        builder.Services.AddSecurity();
        builder.Services.AddIncidents();
        builder.Services.AddNotifications();
        builder.Services.AddKaitiakiRateLimits(options);
        builder.Services.AddWeb(options);
        if (!builder.Environment.IsDevelopment())
        {
            builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        }
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseExceptionHandler();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        app.UseSecurityHeaders();
        app.UseErrorPages();
        // Inside the error pages, so a browser refused by a guard is shown the error page with the guard's words.
        app.UseAccessRefusals();
        app.UseStaticFiles();
        app.UseBenchmarkStaticFiles(app.Services.GetRequiredService<KaitiakiOptions>());
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseContainment();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapWeb();
        app.MapBenchmarkClock(app.Services.GetRequiredService<KaitiakiOptions>());
        app.MapAccountEndpoints();
        app.MapAuditEndpoints();
        app.MapDocumentEndpoints();
        app.MapSecurityEndpoints();
        app.MapRemediationEndpoints();
        app.MapPracticeEndpoints();
        app.MapIncidentEndpoints();
        app.MapRazorPages();
        return app;
    }
}
