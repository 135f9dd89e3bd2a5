using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// A breach as a practice meets it: a practice with a privacy officer, an administrator and a clinician; patients
/// whose documents the clinician listed (and, for the first, downloaded); and an incident whose scope names the
/// clinician's account over that window, run by an incident manager through the API and frozen unless asked not to be.
/// The portal should run the detector in observe mode, so the clinician's reads are not contained.
/// </summary>
internal sealed class PracticeReviewWorld
{
    public required Practice Practice { get; init; }
    public required TestUser PrivacyOfficer { get; init; }
    public required TestUser Administrator { get; init; }
    public required TestUser Clinician { get; init; }
    public required TestUser Manager { get; init; }
    public required Guid IncidentId { get; init; }

    /// <summary>The affected patients, sorted as the pages list them (family name, then given name).</summary>
    public required List<Guid> PatientIds { get; init; }

    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" };

    /// <param name="names">The patients' given and family names; three "Test Patient"s by default.</param>
    /// <param name="afterReads">Runs after the clinician's reads and before the scope: to move patients, or mark the practice as left.</param>
    public static async Task<PracticeReviewWorld> BuildAsync(
        TestPortal portal, IReadOnlyList<(string Given, string Family)>? names = null, bool freeze = true, string practiceName = "Harbour Practice",
        Func<PracticeReviewWorld, Task>? afterReads = null)
    {
        names ??= [("Aroha", "Test"), ("Bella", "Test"), ("Carl", "Test")];
        var practice = await portal.CreatePracticeAsync(practiceName);
        var privacyOfficer = await portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer);
        var administrator = await portal.CreateStaffAsync(practice, StaffRole.PracticeAdministrator);
        var clinician = await portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var manager = await portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        var managerApi = await portal.SignInApiAsync(manager);
        var clinicianApi = await portal.SignInApiAsync(clinician);

        var patients = new List<Guid>();
        foreach (var (given, family) in names)
        {
            patients.Add(await RegisterAsync(portal, practice, given, family));
        }
        var from = portal.Clock.GetUtcNow().UtcDateTime.AddMinutes(-1);
        for (var i = 0; i < patients.Count; i++)
        {
            var document = await TestPortal.UploadedIdAsync(clinicianApi, TestPortal.Pdf(2_000 + i, seed: i + 1), category: "clinical-letter", patientId: patients[i]);
            Assert.Equal(HttpStatusCode.OK, (await clinicianApi.GetAsync($"/api/v1/documents?patientId={patients[i]}")).StatusCode);
            if (i == 0)
            {
                Assert.Equal(HttpStatusCode.OK, (await clinicianApi.GetAsync($"/api/v1/documents/{document}/content")).StatusCode);
            }
        }
        var world = new PracticeReviewWorld
        {
            Practice = practice, PrivacyOfficer = privacyOfficer, Administrator = administrator, Clinician = clinician, Manager = manager,
            IncidentId = Guid.Empty, PatientIds = patients,
        };
        if (afterReads is not null)
        {
            await afterReads(world);
        }
        var to = portal.Clock.GetUtcNow().UtcDateTime.AddSeconds(1);

        var opened = await managerApi.PostAsJsonAsync("/api/v1/incidents", new { title = $"Downloads by one clinician account at {practiceName}", awareAt = to });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var incidentId = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var scope = await managerApi.PostAsJsonAsync($"/api/v1/incidents/{incidentId}/scopes", new { from, to, accountIds = new[] { clinician.AccountId } });
        Assert.Equal(HttpStatusCode.Created, scope.StatusCode);
        Assert.Equal(patients.Count, (await scope.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patients").GetInt32());
        if (freeze)
        {
            Assert.Equal(HttpStatusCode.OK, (await managerApi.PostAsync($"/api/v1/incidents/{incidentId}/scopes/1/freeze", null)).StatusCode);
        }
        return new PracticeReviewWorld
        {
            Practice = practice, PrivacyOfficer = privacyOfficer, Administrator = administrator, Clinician = clinician, Manager = manager,
            IncidentId = incidentId, PatientIds = patients,
        };
    }

    public string IncidentPage => $"/practice/incidents/{IncidentId}?practiceId={Practice.Id}";

    /// <summary>A patient registered at the practice by name, without an account of their own.</summary>
    public static Task<Guid> RegisterAsync(TestPortal portal, Practice practice, string given, string family) =>
        portal.WithScopeAsync(async sp => (await sp.GetRequiredService<PracticeService>().RegisterPatientAsync(practice.Id,
            new NewPatient(TestPortal.NewTestNhi(), given, family, new DateOnly(1975, 3, 9), $"p-{Guid.NewGuid():N}@example.nz", null, ContactMethod.Email),
            invite: false, staffAccountId: null, CancellationToken.None)).NewPatient!.Id);

    /// <summary>Moves a patient to another practice the way an agreed transfer does: their enrolment here ends and one there starts.</summary>
    public static Task MoveAsync(TestPortal portal, Guid patientId, Practice to) =>
        portal.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<EnrolmentService>().EnrolAsync(patientId, to.Id, DateOnly.FromDateTime(portal.Clock.GetUtcNow().UtcDateTime), CancellationToken.None);
            return await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
        });
}
