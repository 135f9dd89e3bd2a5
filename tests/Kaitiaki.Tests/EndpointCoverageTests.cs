using Kaitiaki.Audit;
using Kaitiaki.Tests.Support;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>
/// Every endpoint must say who may use it and what it audits. A forgotten mark is a test failure,
/// not a silent gap: the fallback policy would hide a missing rule, and nothing would hide a missing audit.
/// </summary>
public sealed class EndpointCoverageTests
{
    [Fact]
    public async Task Every_endpoint_declares_who_may_use_it_and_what_it_audits()
    {
        await using var portal = await TestPortal.StartAsync();
        var endpoints = portal.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        Assert.Contains(endpoints, e => Describe(e).Contains("/api/v1/auth/login", StringComparison.Ordinal)); // the checker sees the real app

        var gaps = EndpointCoverage.FindGaps(endpoints);

        Assert.True(gaps.Count == 0, "These endpoints are not fully marked:\n" + string.Join("\n", gaps));
    }

    [Fact]
    public async Task Checker_reports_an_endpoint_without_marks()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        app.MapGet("/forgotten", () => "no marks at all");
        app.MapGet("/unaudited", () => "authorized only").RequireAuthorization();
        app.MapGet("/unguarded", () => "audited only").Audited(AuditAction.PatientDetailsViewed);
        app.MapGet("/public", () => "fully marked").AllowAnonymous().NoPatientData();
        app.MapGet("/guarded", () => "fully marked").RequireAuthorization().Audited(AuditAction.PatientDetailsViewed);
        await app.StartAsync(); // building the pipeline publishes the endpoints, as it does for the portal

        var gaps = EndpointCoverage.FindGaps(app.Services.GetRequiredService<EndpointDataSource>().Endpoints);

        Assert.Equal(
            [
                "GET /forgotten: no audit action and no no-patient-data mark",
                "GET /forgotten: no authorization rule and no public mark",
                "GET /unaudited: no audit action and no no-patient-data mark",
                "GET /unguarded: no authorization rule and no public mark",
            ],
            gaps.Order(StringComparer.Ordinal));
    }

    internal static string Describe(Endpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
        var route = endpoint is RouteEndpoint r ? "/" + r.RoutePattern.RawText?.TrimStart('/') : endpoint.DisplayName;
        return $"{(methods.Count == 0 ? "ANY" : string.Join(",", methods))} {route}";
    }
}

/// <summary>The rule the coverage test applies, kept apart so it can be tested on an app built to break it.</summary>
internal static class EndpointCoverage
{
    public static List<string> FindGaps(IEnumerable<Endpoint> endpoints)
    {
        var gaps = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var metadata = endpoint.Metadata;
            var name = EndpointCoverageTests.Describe(endpoint);
            if (metadata.GetMetadata<IAuthorizeData>() is null && metadata.GetMetadata<IAllowAnonymous>() is null)
            {
                gaps.Add($"{name}: no authorization rule and no public mark");
            }
            if (metadata.GetMetadata<AuditedAttribute>() is null && metadata.GetMetadata<NoPatientDataAttribute>() is null)
            {
                gaps.Add($"{name}: no audit action and no no-patient-data mark");
            }
        }
        return gaps;
    }
}
