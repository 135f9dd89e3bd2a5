using System.Net;
using Kaitiaki.Accounts;
using Kaitiaki.Incidents;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// Data for the incident pages' tests, made the way it happens: patients upload documents, then a clinician's account
/// downloads some patients' documents and only lists others', through the documents API. Portals that use it run
/// the detector in observe mode, so the clinician is watched but not contained.
/// </summary>
internal static class IncidentPagesData
{
    public static readonly IReadOnlyDictionary<string, string> ObserveOnly = new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" };

    internal sealed record Person(TestUser User, List<Guid> Documents);

    /// <summary>
    /// What the clinician did: <see cref="Downloaded"/> had every document downloaded (after a list), <see cref="Listed"/>
    /// had their documents only listed; between <see cref="From"/> and <see cref="To"/>.
    /// </summary>
    internal sealed record Breach(Practice Practice, TestUser Clinician, List<Person> Downloaded, List<Person> Listed, DateTime From, DateTime To)
    {
        public IEnumerable<Person> Everyone => Downloaded.Concat(Listed);
    }

    /// <param name="midway">Runs after the downloads and before the lists, such as a containment action to mark on the chart.</param>
    public static async Task<Breach> BreachAsync(
        TestPortal portal, string practiceName = "Kerikeri Medical", int downloaded = 3, int listed = 2, Func<Task>? midway = null)
    {
        var practice = await portal.CreatePracticeAsync(practiceName);
        var people = new List<Person>();
        for (var i = 0; i < downloaded + listed; i++)
        {
            var user = await portal.CreatePatientAsync(practice);
            using var own = await portal.SignInApiAsync(user);
            var ids = new List<Guid>();
            for (var d = 0; d < 2; d++)
            {
                ids.Add(await TestPortal.UploadedIdAsync(own, TestPortal.Pdf(3_000 + d, seed: i * 10 + d + 1)));
            }
            people.Add(new Person(user, ids));
        }
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        using var stolen = await portal.SignInApiAsync(clinician);
        var from = portal.Clock.GetUtcNow().UtcDateTime;
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        foreach (var person in people.Take(downloaded))
        {
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents?patientId={person.User.PatientId}")).StatusCode);
            foreach (var id in person.Documents)
            {
                using var content = await stolen.GetAsync($"/api/v1/documents/{id}/content");
                Assert.Equal(HttpStatusCode.OK, content.StatusCode);
            }
        }
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        if (midway is not null)
        {
            await midway();
            portal.Clock.Advance(TimeSpan.FromMinutes(1));
        }
        foreach (var person in people.Skip(downloaded))
        {
            Assert.Equal(HttpStatusCode.OK, (await stolen.GetAsync($"/api/v1/documents?patientId={person.User.PatientId}")).StatusCode);
        }
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        return new Breach(practice, clinician, people.Take(downloaded).ToList(), people.Skip(downloaded).ToList(), from, portal.Clock.GetUtcNow().UtcDateTime);
    }

    /// <summary>An incident opened through the service, as the page would, aware an hour ago.</summary>
    public static Task<Incident> IncidentAsync(TestPortal portal, TestUser manager, string title = "Bulk downloads by one clinician account") =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<IncidentService>()
            .OpenAsync(title, portal.Clock.GetUtcNow().UtcDateTime.AddHours(-1), manager.AccountId, null, CancellationToken.None));

    /// <summary>Runs a scope through the service; the pages' own form is tested apart.</summary>
    public static Task<ScopeVersion> ScopeAsync(TestPortal portal, Guid incidentId, TestUser manager, ScopeRequest request) =>
        portal.WithScopeAsync(async sp =>
        {
            Assert.True(ScopeFilter.TryRead(request, out var filter, out var problem), problem);
            var result = await sp.GetRequiredService<Scoping>().RunAsync(incidentId, filter, manager.AccountId, null, CancellationToken.None);
            return result.Version ?? throw new InvalidOperationException(result.Problem);
        });

    public static Task<List<ScopeVersion>> VersionsAsync(TestPortal portal, Guid incidentId) =>
        portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().ScopeVersions.AsNoTracking()
            .Where(v => v.IncidentId == incidentId).OrderBy(v => v.Version).ToListAsync());

    /// <summary>A window as the scope form takes it: New Zealand wall-clock time, to the minute, widened to whole minutes.</summary>
    public static (string From, string To) FormWindow(Breach breach) =>
        (IncidentTime(breach.From.AddMinutes(-1)), IncidentTime(breach.To.AddMinutes(1)));

    public static string IncidentTime(DateTime utc) => Kaitiaki.Incidents.Pages.IncidentText.FormTime(utc);
}

/// <summary>One portal for a test class, with the detector observing only (see <see cref="IncidentPagesData"/>).</summary>
public sealed class ObservedPortal : IAsyncLifetime
{
    internal TestPortal Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>(IncidentPagesData.ObserveOnly));

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}
