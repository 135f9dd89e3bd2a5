using System.Net;
using Kaitiaki.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests;

/// <summary>The benchmark's static folder is served only when set, and adds no endpoint that could escape the coverage rule.</summary>
public sealed class BenchmarkStaticFilesTests
{
    [Fact]
    public async Task Nothing_is_served_at_bench_static_unless_the_setting_names_a_folder()
    {
        await using var portal = await TestPortal.StartAsync();

        var response = await portal.Client.GetAsync("/bench-static/document.pdf");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_benchmark_folder_is_served_as_static_files_and_adds_no_endpoint()
    {
        var folder = Directory.CreateTempSubdirectory("kaitiaki-bench-static-");
        try
        {
            var content = TestPortal.Pdf(1000);
            await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "document.pdf"), content);
            await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:BenchmarkStaticDirectory"] = folder.FullName });

            var response = await portal.Client.GetAsync("/bench-static/document.pdf");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
            Assert.Empty(EndpointCoverage.FindGaps(portal.Services.GetRequiredService<EndpointDataSource>().Endpoints));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
