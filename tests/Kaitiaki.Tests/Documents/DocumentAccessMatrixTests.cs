using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kaitiaki.Accounts;
using Kaitiaki.Practices;
using Kaitiaki.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// Every caller × operation × target against the running portal, checked against the table in
/// docs/document-access.md, so the documented rules and the behaviour cannot drift apart.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DocumentAccessMatrixTests : IAsyncLifetime
{
    private const string OwnDocument = "The patient's own document";
    private const string OtherDocument = "Another person's document";
    private const string MissingDocument = "A document that does not exist";
    private static readonly string[] Targets = [OwnDocument, OtherDocument, MissingDocument];
    private static readonly string[] Operations = ["List", "Metadata", "Content", "Delete", "Upload"];

    private TestPortal _portal = null!;
    private World _world = null!;

    public async Task InitializeAsync()
    {
        // Every caller asks for documents it may not see, as probing would: the detector would contain them.
        _portal = await TestPortal.StartAsync(settings: new Dictionary<string, string> { ["Kaitiaki:Detection:Mode"] = "off" });
        _world = await World.BuildAsync(_portal);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Every_caller_gets_exactly_the_answers_the_access_table_documents()
    {
        var table = ReadDocumentedTable();
        var expectedKeys = _world.Callers.SelectMany(c => Targets.SelectMany(t => Operations.Select(o => (c.Label, t, o)))).ToHashSet();
        Assert.Equal(expectedKeys.Order(), table.Keys.Order());

        var wrong = new List<string>();
        foreach (var caller in _world.Callers)
        {
            foreach (var target in Targets)
            {
                var answers = await TryEveryOperationAsync(caller, target);
                foreach (var (operation, response) in answers)
                {
                    var expected = table[(caller.Label, target, operation)];
                    if ((int)response.StatusCode != expected)
                    {
                        wrong.Add($"{caller.Label} | {target} | {operation}: the table says {expected}, the portal answered {(int)response.StatusCode}");
                    }
                }
            }
        }
        Assert.True(wrong.Count == 0, "docs/document-access.md and the portal disagree:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Another_persons_document_answers_exactly_like_a_missing_one_for_every_caller()
    {
        foreach (var caller in _world.Callers)
        {
            var other = await TryEveryOperationAsync(caller, OtherDocument);
            var missing = await TryEveryOperationAsync(caller, MissingDocument);
            foreach (var operation in Operations)
            {
                try
                {
                    await ResponsesMatch.AssertSameAsync(missing[operation], other[operation]);
                }
                catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"{caller.Label}, {operation}: another person's document is told apart from a missing one.\n{ex.Message}");
                }
            }
        }
    }

    /// <summary>Each operation once, on fresh documents, with the delete last so it cannot change the other answers.</summary>
    private async Task<Dictionary<string, HttpResponseMessage>> TryEveryOperationAsync(Caller caller, string target)
    {
        var (patientId, documentId) = target switch
        {
            OwnDocument => (_world.Patient.PatientId!.Value, await UploadAsync(_world.PatientClient)),
            OtherDocument => (_world.Stranger.PatientId!.Value, await UploadAsync(_world.StrangerClient)),
            _ => (Guid.NewGuid(), Guid.NewGuid()),
        };
        var client = caller.Client;
        return new Dictionary<string, HttpResponseMessage>
        {
            ["List"] = await client.GetAsync($"/api/v1/documents?patientId={patientId}"),
            ["Metadata"] = await client.GetAsync($"/api/v1/documents/{documentId}"),
            ["Content"] = await client.GetAsync($"/api/v1/documents/{documentId}/content"),
            ["Upload"] = await TestPortal.UploadAsync(client, TestPortal.Pdf(2000, seed: 7), title: "Letter from the hospital", patientId: patientId),
            ["Delete"] = await client.DeleteAsync($"/api/v1/documents/{documentId}"),
        };
    }

    private static async Task<Guid> UploadAsync(HttpClient owner)
    {
        var created = await TestPortal.UploadAsync(owner, TestPortal.Pdf(3000), title: "Blood pressure diary", category: "report");
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>The access table from the repository's docs folder: (caller, target, operation) → status.</summary>
    private static Dictionary<(string Caller, string Target, string Operation), int> ReadDocumentedTable()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Kaitiaki.slnx")))
        {
            root = root.Parent;
        }
        Assert.True(root is not null, "The repository root (the folder holding Kaitiaki.slnx) was not found above " + AppContext.BaseDirectory);
        var lines = File.ReadAllLines(Path.Combine(root.FullName, "docs", "document-access.md"));

        string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        var header = Array.FindIndex(lines, l => l.TrimStart().StartsWith('|') && Cells(l) is ["Caller", "Target", .. var ops] && ops.SequenceEqual(Operations));
        Assert.True(header >= 0, "docs/document-access.md has no table headed | Caller | Target | " + string.Join(" | ", Operations) + " |");

        var table = new Dictionary<(string, string, string), int>();
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.TrimStart().StartsWith('|')))
        {
            var cells = Cells(line);
            Assert.True(cells.Length == 2 + Operations.Length, "A row of the access table has the wrong number of cells: " + line);
            for (var i = 0; i < Operations.Length; i++)
            {
                var status = LeadingStatus().Match(cells[2 + i]);
                Assert.True(status.Success, $"Not a status code in the access table: '{cells[2 + i]}' in {line}");
                Assert.True(table.TryAdd((cells[0], cells[1], Operations[i]), int.Parse(status.Value, System.Globalization.CultureInfo.InvariantCulture)),
                    "The access table has this row twice: " + line);
            }
        }
        return table;
    }

    [GeneratedRegex(@"^\d{3}\b")]
    private static partial Regex LeadingStatus();

    private sealed record Caller(string Label, HttpClient Client);

    /// <summary>
    /// The people of the matrix. The patient moved from Hill Street to Harbour Medical; the stranger and the other
    /// patient are both enrolled at Coast Road, where no caller works; the proxies' own records are at Riverside.
    /// </summary>
    private sealed class World
    {
        public required TestUser Patient { get; init; }
        public required HttpClient PatientClient { get; init; }
        public required TestUser Stranger { get; init; }
        public required HttpClient StrangerClient { get; init; }
        public required IReadOnlyList<Caller> Callers { get; init; }

        public static async Task<World> BuildAsync(TestPortal portal)
        {
            var harbour = await portal.CreatePracticeAsync("Harbour Medical");
            var hillStreet = await portal.CreatePracticeAsync("Hill Street Surgery");
            var riverside = await portal.CreatePracticeAsync("Riverside Health");
            var coastRoad = await portal.CreatePracticeAsync("Coast Road Clinic");

            var patient = await portal.CreatePatientAsync(hillStreet);
            await portal.WithScopeAsync(async sp =>
            {
                await sp.GetRequiredService<EnrolmentService>().EnrolAsync(
                    patient.PatientId!.Value, harbour.Id, DateOnly.FromDateTime(portal.Clock.GetUtcNow().UtcDateTime), CancellationToken.None);
                return await sp.GetRequiredService<Kaitiaki.Storage.KaitiakiDb>().SaveChangesAsync();
            });
            var stranger = await portal.CreatePatientAsync(coastRoad);
            var anotherPatient = await portal.CreatePatientAsync(coastRoad);

            var proxy = await portal.CreatePatientAsync(riverside);
            var lapsedProxy = await portal.CreatePatientAsync(riverside);
            var now = portal.Clock.GetUtcNow().UtcDateTime;
            await portal.WithScopeAsync(async sp =>
            {
                var practices = sp.GetRequiredService<PracticeService>();
                await practices.GrantProxyAsync(proxy.AccountId, patient.PatientId!.Value, ProxyReason.NamedByPatient, now.AddDays(30), CancellationToken.None);
                return await practices.GrantProxyAsync(lapsedProxy.AccountId, patient.PatientId!.Value, ProxyReason.NamedByPatient, now.AddHours(1), CancellationToken.None);
            });
            // The second grant was live for an hour; now it has lapsed.
            portal.Clock.Advance(TimeSpan.FromHours(2));

            var clinician = await portal.CreateStaffAsync(harbour, StaffRole.Clinician);
            var otherClinician = await portal.CreateStaffAsync(riverside, StaffRole.Clinician);
            var formerClinician = await portal.CreateStaffAsync(hillStreet, StaffRole.Clinician);
            var administrator = await portal.CreateStaffAsync(harbour, StaffRole.PracticeAdministrator);
            var supportAgent = await portal.CreateOperatorAsync(OperatorRole.SupportAgent);
            var securityAnalyst = await portal.CreateOperatorAsync(OperatorRole.SecurityAnalyst);

            var patientClient = await portal.SignInApiAsync(patient);
            return new World
            {
                Patient = patient,
                PatientClient = patientClient,
                Stranger = stranger,
                StrangerClient = await portal.SignInApiAsync(stranger),
                Callers =
                [
                    new("The patient", patientClient),
                    new("Another patient", await portal.SignInApiAsync(anotherPatient)),
                    new("Proxy with a live grant", await portal.SignInApiAsync(proxy)),
                    new("Proxy whose grant expired", await portal.SignInApiAsync(lapsedProxy)),
                    new("Clinician at the patient's practice", await portal.SignInApiAsync(clinician)),
                    new("Clinician at another practice", await portal.SignInApiAsync(otherClinician)),
                    new("Clinician at the practice the patient left", await portal.SignInApiAsync(formerClinician)),
                    new("Practice administrator (not a clinician)", await portal.SignInApiAsync(administrator)),
                    new("Support agent", await portal.SignInApiAsync(supportAgent)),
                    new("Security analyst", await portal.SignInApiAsync(securityAnalyst)),
                    new("Anonymous (no token)", portal.NewClient()),
                ],
            };
        }
    }
}
