using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Incidents;

/// <summary>
/// The end-to-end check, over the API alone. A compromised clinician account reads a known set of documents
/// and lists others, amid normal use by other people, with the detector only observing. Scoping by that account and
/// the window finds exactly the patients it read or listed, metadata-only patients apart; a practice flags one; every
/// status is right; a narrower second version compares as it should; and a practice that has left still sees its
/// former patients.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BreachScopeEndToEndTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() =>
        _portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "observe" });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private sealed record Person(TestUser User, HttpClient Client, List<Guid> Documents);

    [Fact]
    public async Task Scoping_a_compromised_clinician_finds_exactly_whom_it_touched_and_every_status_and_review_follows()
    {
        var practice = await _portal.CreatePracticeAsync("Kerikeri Medical");
        var leaving = await _portal.CreatePracticeAsync("Paihia Family Doctors");
        var people = new List<Person>();
        for (var i = 0; i < 8; i++)
        {
            people.Add(await PatientAsync(practice, 2));
        }
        var atLeaving = await PatientAsync(leaving, 2);
        var attacker = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        await AddMembershipAsync(attacker, leaving, StaffRole.Clinician);
        var colleague = await _portal.CreateStaffAsync(practice, StaffRole.Clinician);
        var manager = await _portal.CreateOperatorAsync(OperatorRole.IncidentManager);
        using var stolen = await _portal.SignInApiAsync(attacker);
        using var honest = await _portal.SignInApiAsync(colleague);
        using var im = await _portal.SignInApiAsync(manager);

        var from = _portal.Clock.GetUtcNow().UtcDateTime;
        _portal.Clock.Advance(TimeSpan.FromMinutes(1));
        // Phase one: the attacker downloads three patients' documents and lists a fourth's; others go about their day.
        foreach (var p in people.Take(3))
        {
            await ListAsync(stolen, p);
            foreach (var id in p.Documents)
            {
                await DownloadAsync(stolen, id);
            }
        }
        await ListAsync(stolen, people[3]);
        await ListAsync(honest, people[6]);
        await DownloadAsync(honest, people[6].Documents[0]);
        await DownloadAsync(people[0].Client, people[0].Documents[1]);
        await ListAsync(people[7].Client, people[7]);
        _portal.Clock.Advance(TimeSpan.FromMinutes(10));
        var narrowTo = _portal.Clock.GetUtcNow().UtcDateTime;
        _portal.Clock.Advance(TimeSpan.FromMinutes(10));
        // Phase two: one more listing, one document's details, and the patient at the practice about to leave.
        await ListAsync(stolen, people[4]);
        await MetadataAsync(stolen, people[5].Documents[0]);
        await DownloadAsync(stolen, atLeaving.Documents[1]);
        await DownloadAsync(honest, people[6].Documents[1]);
        _portal.Clock.Advance(TimeSpan.FromMinutes(1));
        var to = _portal.Clock.GetUtcNow().UtcDateTime;
        _portal.Clock.Advance(TimeSpan.FromMinutes(5));

        // Afterwards the patient at the leaving practice moves, and the practice leaves the portal.
        await MoveAsync(atLeaving.User.PatientId!.Value, leaving.Id, practice.Id);
        await _portal.WithScopeAsync(async sp =>
        {
            await sp.GetRequiredService<PracticeService>().MarkLeftAsync(leaving.Id, DateOnly.FromDateTime(to), CancellationToken.None);
            return 0;
        });

        var opened = await im.PostAsJsonAsync("/api/v1/incidents", new { title = "Bulk reads by one clinician account", awareAt = to });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var incident = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var scoped = await im.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from, to, accountIds = new[] { attacker.AccountId } });
        Assert.Equal(HttpStatusCode.Created, scoped.StatusCode);
        var v1 = await scoped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, v1.GetProperty("version").GetInt32());
        Assert.Equal(7, v1.GetProperty("patients").GetInt32());
        // Content: 3 patients x 2 documents + 1; metadata only: people[3]'s and [4]'s lists (2 each) and one document's details.
        Assert.Equal(7, v1.GetProperty("contentDocuments").GetInt32());
        Assert.Equal(5, v1.GetProperty("metadataDocuments").GetInt32());
        Assert.Equal(12, v1.GetProperty("documents").GetInt32());
        Assert.Equal(2, v1.GetProperty("practices").GetInt32());
        Assert.True(v1.GetProperty("trailVerified").GetBoolean(), v1.GetProperty("trailMessage").GetString());

        // Before a version is frozen: under review for those in the draft, no incident for everyone else.
        Assert.Equal("under-review", (await StatusAsync(people[0])).GetProperty("status").GetString());
        Assert.Equal("no-incident", (await StatusAsync(people[6])).GetProperty("status").GetString());

        var patients = await PatientsAsync(im, $"/api/v1/incidents/{incident}/scopes/1/patients");
        var content = people.Take(3).Append(atLeaving).Select(p => p.User.PatientId!.Value).Order().ToList();
        var metadata = people.Skip(3).Take(3).Select(p => p.User.PatientId!.Value).Order().ToList();
        Assert.Equal(content, patients.Where(p => p.GetProperty("disclosure").GetString() == "content").Select(Id).Order());
        Assert.Equal(metadata, patients.Where(p => p.GetProperty("disclosure").GetString() == "metadata").Select(Id).Order());
        var first = patients.Single(p => Id(p) == people[0].User.PatientId);
        Assert.Equal(people[0].Documents.Order(), first.GetProperty("documentIds").EnumerateArray().Select(d => d.GetGuid()).Order());
        Assert.Equal([practice.Id], first.GetProperty("practiceIdsAtAccess").EnumerateArray().Select(d => d.GetGuid()));
        var moved = patients.Single(p => Id(p) == atLeaving.User.PatientId);
        Assert.Equal([atLeaving.Documents[1]], moved.GetProperty("documentIds").EnumerateArray().Select(d => d.GetGuid()));
        Assert.Equal([leaving.Id], moved.GetProperty("practiceIdsAtAccess").EnumerateArray().Select(d => d.GetGuid()));
        Assert.Equal([practice.Id], moved.GetProperty("practiceIdsNow").EnumerateArray().Select(d => d.GetGuid()));
        Assert.Equal(people[5].Documents.Take(1), patients.Single(p => Id(p) == people[5].User.PatientId)
            .GetProperty("documentIds").EnumerateArray().Select(d => d.GetGuid()));

        Assert.Equal(HttpStatusCode.OK, (await im.PostAsync($"/api/v1/incidents/{incident}/scopes/1/freeze", null)).StatusCode);

        // The practice flags one patient for clinician-led contact and approves the frozen version.
        var officer = await _portal.CreateStaffAsync(practice, StaffRole.PrivacyOfficer);
        using var po = await _portal.SignInApiAsync(officer);
        var slice = await PatientsAsync(po, $"/api/v1/practices/{practice.Id}/incidents/{incident}/patients");
        // Enrolled there at the time of access (six) and now (the patient who moved in).
        Assert.Equal(people.Take(6).Append(atLeaving).Select(p => p.User.PatientId!.Value).Order(), slice.Select(Id).Order());
        var reviewed = await po.PostAsJsonAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/review", new
        {
            version = 1,
            flags = new[] { new { patientId = people[1].User.PatientId, reason = "Recently bereaved; her GP will phone first." } },
            approve = true,
        });
        Assert.Equal(HttpStatusCode.OK, reviewed.StatusCode);
        var review = await reviewed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(review.GetProperty("approved").GetBoolean());
        Assert.False(review.GetProperty("late").GetBoolean());
        slice = await PatientsAsync(po, $"/api/v1/practices/{practice.Id}/incidents/{incident}/patients");
        Assert.Equal([people[1].User.PatientId!.Value], slice.Where(p => p.GetProperty("flagged").GetBoolean()).Select(Id));

        // Statuses once frozen: impacted with the documents and how much was seen; not impacted for the rest.
        var impacted = await StatusAsync(people[0]);
        Assert.Equal("impacted", impacted.GetProperty("status").GetString());
        Assert.Equal(incident, impacted.GetProperty("incidentId").GetGuid());
        Assert.Equal(1, impacted.GetProperty("scopeVersion").GetInt32());
        var documents = impacted.GetProperty("documents").EnumerateArray().ToList();
        Assert.Equal(people[0].Documents.Order(), documents.Select(d => d.GetProperty("id").GetGuid()).Order());
        Assert.All(documents, d => Assert.Equal("content", d.GetProperty("disclosure").GetString()));
        Assert.All(documents, d => Assert.InRange(d.GetProperty("accessedAt").GetDateTime().ToUniversalTime(), from, to));
        Assert.False(string.IsNullOrWhiteSpace(impacted.GetProperty("verificationPhrase").GetString()));
        Assert.Equal(impacted.GetProperty("verificationPhrase").GetString(), (await StatusAsync(people[0])).GetProperty("verificationPhrase").GetString());
        Assert.NotEqual(impacted.GetProperty("verificationPhrase").GetString(), (await StatusAsync(people[3])).GetProperty("verificationPhrase").GetString());
        var listedOnly = await StatusAsync(people[3]);
        Assert.Equal("impacted", listedOnly.GetProperty("status").GetString());
        Assert.All(listedOnly.GetProperty("documents").EnumerateArray(), d => Assert.Equal("metadata", d.GetProperty("disclosure").GetString()));
        Assert.Equal("not-impacted", (await StatusAsync(people[6])).GetProperty("status").GetString());
        Assert.Equal("not-impacted", (await StatusAsync(people[7])).GetProperty("status").GetString());

        // A second version that narrows the window to phase one drops exactly phase two's patients and documents.
        var narrowed = await im.PostAsJsonAsync($"/api/v1/incidents/{incident}/scopes", new { from, to = narrowTo, accountIds = new[] { attacker.AccountId } });
        Assert.Equal(HttpStatusCode.Created, narrowed.StatusCode);
        Assert.Equal(2, (await narrowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        var compared = await im.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident}/scopes/1/compare/2");
        Assert.Empty(compared.GetProperty("patientsAdded").EnumerateArray());
        Assert.Empty(compared.GetProperty("documentsAdded").EnumerateArray());
        Assert.Equal(new[] { people[4], people[5], atLeaving }.Select(p => p.User.PatientId!.Value).Order(),
            compared.GetProperty("patientsRemoved").EnumerateArray().Select(d => d.GetGuid()).Order());
        Assert.Equal(people[4].Documents.Append(people[5].Documents[0]).Append(atLeaving.Documents[1]).Order(),
            compared.GetProperty("documentsRemoved").EnumerateArray().Select(d => d.GetGuid()).Order());
        var back = await im.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{incident}/scopes/2/compare/1");
        Assert.Equal(3, back.GetProperty("patientsAdded").GetArrayLength());
        // The draft does not move anyone's status: the latest frozen version still decides.
        Assert.Equal("impacted", (await StatusAsync(people[5])).GetProperty("status").GetString());

        // The practice that left still sees its former patient, enrolled with it when the documents were read.
        var formerOfficer = await _portal.CreateStaffAsync(leaving, StaffRole.PrivacyOfficer);
        using var former = await _portal.SignInApiAsync(formerOfficer);
        var formerSlice = await PatientsAsync(former, $"/api/v1/practices/{leaving.Id}/incidents/{incident}/patients");
        var theirs = Assert.Single(formerSlice);
        Assert.Equal(atLeaving.User.PatientId, Id(theirs));
        Assert.Equal([leaving.Id], theirs.GetProperty("practiceIdsAtAccess").EnumerateArray().Select(d => d.GetGuid()));
        Assert.Equal([practice.Id], theirs.GetProperty("practiceIdsNow").EnumerateArray().Select(d => d.GetGuid()));
        // And nobody else's: the other practice's list is not theirs to read.
        Assert.Equal(HttpStatusCode.NotFound, (await former.GetAsync($"/api/v1/practices/{practice.Id}/incidents/{incident}/patients")).StatusCode);

        foreach (var p in people.Append(atLeaving))
        {
            p.Client.Dispose();
        }
    }

    private static Guid Id(JsonElement p) => p.GetProperty("patientId").GetGuid();

    private async Task<Person> PatientAsync(Practice practice, int documents)
    {
        var user = await _portal.CreatePatientAsync(practice);
        var client = await _portal.SignInApiAsync(user);
        var ids = new List<Guid>();
        for (var i = 0; i < documents; i++)
        {
            ids.Add(await TestPortal.UploadedIdAsync(client, TestPortal.Pdf(4_000 + i, seed: i + 3)));
        }
        return new Person(user, client, ids);
    }

    private async Task AddMembershipAsync(TestUser staff, Practice practice, StaffRole role) =>
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            db.StaffMemberships.Add(new StaffMembership { AccountId = staff.AccountId, PracticeId = practice.Id, Role = role, StartedAt = _portal.Clock.GetUtcNow().UtcDateTime });
            return await db.SaveChangesAsync();
        });

    private async Task MoveAsync(Guid patientId, Guid fromPractice, Guid toPractice) =>
        await _portal.WithScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var today = DateOnly.FromDateTime(_portal.Clock.GetUtcNow().UtcDateTime);
            var current = await db.Enrolments.SingleAsync(e => e.PatientId == patientId && e.PracticeId == fromPractice && e.EndedOn == null);
            current.EndedOn = today;
            db.Enrolments.Add(new Enrolment { PatientId = patientId, PracticeId = toPractice, StartedOn = today });
            return await db.SaveChangesAsync();
        });

    private static async Task ListAsync(HttpClient client, Person whose)
    {
        var listed = await client.GetAsync($"/api/v1/documents?patientId={whose.User.PatientId}");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    private static async Task DownloadAsync(HttpClient client, Guid document)
    {
        using var read = await client.GetAsync($"/api/v1/documents/{document}/content");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private static async Task MetadataAsync(HttpClient client, Guid document) =>
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{document}")).StatusCode);

    /// <summary>The person's status as they see it, signed in afresh (the test's clock has moved on past their first session's idle limit).</summary>
    private async Task<JsonElement> StatusAsync(Person person)
    {
        using var client = await _portal.SignInApiAsync(person.User);
        return await client.GetFromJsonAsync<JsonElement>("/api/v1/me/security-status");
    }

    private static async Task<List<JsonElement>> PatientsAsync(HttpClient client, string path)
    {
        var answer = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return (await answer.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
    }
}
