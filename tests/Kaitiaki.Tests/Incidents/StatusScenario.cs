using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// Makes breach incidents the way people do, over the API: a clinician at the practice reads patients' documents,
/// then an incident manager opens an incident, scopes it by that clinician's account and the window, and (if asked)
/// freezes the version. Start its portal with <c>Kaitiaki:Detection:Mode=observe</c> so the detector only watches.
/// </summary>
internal sealed class StatusScenario(TestPortal portal, HttpClient clinician, HttpClient manager, Guid clinicianAccountId)
{
    public static async Task<StatusScenario> StartAsync(TestPortal portal, Practice practice)
    {
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var manager = await portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        return new StatusScenario(portal, await portal.SignInApiAsync(clinician), await portal.SignInApiAsync(manager), clinician.AccountId);
    }

    /// <summary>Adds a document with this title to the patient's records, as the practice would share a letter.</summary>
    public async Task<Guid> ShareAsync(Guid patientId, string title, int seed = 1)
    {
        var created = await TestPortal.UploadAsync(clinician, TestPortal.Pdf(3_000 + seed, seed), title: title, category: "clinical-letter", patientId: patientId);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// The clinician's account, in a window of its own, lists each patient's documents (their details) and downloads
    /// <paramref name="downloads"/> (their content); then an incident scoped to that window and account. Returns the
    /// incident and the window.
    /// </summary>
    public async Task<(Guid Incident, DateTime From, DateTime To)> ReadThenScopeAsync(
        IEnumerable<Guid> listPatients, IEnumerable<Guid> downloads, bool freeze, string title = "Documents read by one clinician account")
    {
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        var from = portal.Clock.GetUtcNow().UtcDateTime;
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        foreach (var patientId in listPatients)
        {
            Assert.Equal(HttpStatusCode.OK, (await clinician.GetAsync($"/api/v1/documents?patientId={patientId}")).StatusCode);
        }
        foreach (var id in downloads)
        {
            using var read = await clinician.GetAsync($"/api/v1/documents/{id}/content");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        portal.Clock.Advance(TimeSpan.FromMinutes(1));
        var to = portal.Clock.GetUtcNow().UtcDateTime;
        portal.Clock.Advance(TimeSpan.FromMinutes(1));

        var opened = await manager.PostAsJsonAsync("/api/v1/incidents", new { title, awareAt = to });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var incident = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var scoped = await manager.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from, to, accountIds = new[] { clinicianAccountId } });
        Assert.Equal(HttpStatusCode.Created, scoped.StatusCode);
        if (freeze)
        {
            var version = (await scoped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
            Assert.Equal(HttpStatusCode.OK, (await manager.PostAsync($"/api/v1/incidents/{incident}/scopes/{version}/freeze", null)).StatusCode);
        }
        return (incident, from, to);
    }
}
