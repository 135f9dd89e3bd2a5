using Kaitiaki.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kaitiaki.Web;

internal static class WebSetup
{
    public static IServiceCollection AddWeb(this IServiceCollection services, KaitiakiOptions options)
    {
        services.AddRazorPages(o => o.RootDirectory = "/").AddMvcOptions(o => o.Filters.Add<AntiforgeryRefusalFilter>());
        services.AddSingleton<RefusalAudit>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = options.CookieName("kaitiaki-af");
            o.Cookie.SecurePolicy = options.CookieSecurePolicy;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        // Anything that forgets to say who may use it needs a signed-in user; a coverage test insists it says so anyway.
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        services.AddOpenApi("v1");
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// Serves Kaitiaki:BenchmarkStaticDirectory at /bench-static/ with the static file middleware, before routing, so
    /// it is no endpoint and needs no marks. Only bench/documents.sh sets it, to compare against the document path.
    /// </summary>
    public static void UseBenchmarkStaticFiles(this WebApplication app, KaitiakiOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.BenchmarkStaticDirectory))
        {
            return;
        }
        var folder = Path.GetFullPath(options.BenchmarkStaticDirectory);
        app.Logger.LogWarning("Kaitiaki:BenchmarkStaticDirectory is set: {Folder} is served to anyone at /bench-static/. Never set it on a real portal.", folder);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(folder),
            RequestPath = "/bench-static",
            ServeUnknownFileTypes = false,
        });
    }

    public static void MapWeb(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().NoPatientData();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().NoPatientData();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous().NoPatientData();
    }
}

internal sealed class DatabaseHealthCheck(KaitiakiDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database cannot be reached.");
}

/// <summary>Malformed requests become RFC 9457 problem details that say what was wrong, never a stack trace.</summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        context.Response.StatusCode = bad.StatusCode;
        var detail = bad.InnerException is System.Text.Json.JsonException
            ? "The request body is not valid JSON."
            : bad.StatusCode == StatusCodes.Status415UnsupportedMediaType
                ? "Send the request body as application/json."
                : "The request could not be read: " + bad.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Title = "The request is not valid", Detail = detail },
            Exception = exception,
        });
    }
}

internal static class ErrorPages
{
    /// <summary>
    /// An error answer without a body becomes a page for a browser (one that asks for HTML, off the API) and problem
    /// details for everything else.
    /// </summary>
    public static void UseErrorPages(this WebApplication app)
    {
        app.UseWhen(IsPageRequest, branch => branch.UseStatusCodePagesWithReExecute("/error/{0}"));
        app.UseWhen(context => !IsPageRequest(context), branch => branch.UseStatusCodePages());
    }

    public static bool IsPageRequest(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/api")
        && context.Request.Headers.Accept.Any(value => value?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
}
