using Kaitiaki.Demo;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Demo;

/// <summary>The demo world is shown to people trying the portal: it must make sense as health records.</summary>
[Trait("Category", "Integration")]
public sealed class DemoWorldTests
{
    [Fact]
    public async Task Every_demo_document_is_about_a_day_on_or_before_the_day_it_was_added()
    {
        await using var portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:DemoPatients"] = "10" });
        // Behind the computer's date, so that a demo date taken from the computer's clock rather than the portal's shows up.
        portal.Clock.Advance(TimeSpan.FromDays(-60));

        await DemoWorld.SeedAsync(portal.Services, null, CancellationToken.None);

        var documents = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.AsNoTracking()
            .Select(d => new { d.DateOfService, d.UploadedAt }).ToListAsync());
        Assert.Contains(documents, d => d.DateOfService is not null);
        Assert.All(documents, d => Assert.True(d.DateOfService is null || d.DateOfService <= DateOnly.FromDateTime(d.UploadedAt),
            "A demo document's date of service is after the day it was added."));
        Assert.All(documents, d => Assert.Equal(DateOnly.FromDateTime(portal.Clock.GetUtcNow().UtcDateTime), DateOnly.FromDateTime(d.UploadedAt)));
    }
}
