using System.Net.Http.Json;
using System.Text.Json;
using Hl7.Fhir.Serialization;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using FhirAuditEvent = Hl7.Fhir.Model.AuditEvent;

namespace Kaitiaki.Tests;

[Trait("Category", "Integration")]
[Collection(CommandLineCollection.Name)]
public sealed class FhirExportTests
{
    [Fact]
    public async Task Export_writes_one_valid_fhir_r4_audit_event_per_line()
    {
        await using var portal = await TestPortal.StartAsync();
        var patient = await portal.CreatePatientAsync(await portal.CreatePracticeAsync());
        var client = await portal.SignInApiAsync(patient); // sign-in events carry an actor, a session and an address
        await client.GetFromJsonAsync<List<JsonElement>>("/api/v1/me/access-log");
        var now = portal.Clock.GetUtcNow().UtcDateTime;

        using var output = new StringWriter();
        var written = await portal.WithScopeAsync(sp => sp.GetRequiredService<FhirAuditExport>()
            .WriteAsync(output, now.AddDays(-1), now.AddDays(1), null, CancellationToken.None));

        var events = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().AuditEvents.AsNoTracking()
            .OrderBy(e => e.Sequence).ToListAsync());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(events.Count, written);
        Assert.Equal(events.Count, lines.Length);
        var deserializer = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
        foreach (var (line, e) in lines.Zip(events))
        {
            Assert.True(deserializer.TryDeserializeResource(line, out var resource, out var issues),
                $"Event {e.Sequence} ({e.Action}) is not valid FHIR: {string.Join("; ", issues.Select(i => i.Message))}");
            var fhir = Assert.IsType<FhirAuditEvent>(resource);
            Assert.Equal(e.Id.ToString("N"), fhir.Id);
            // The elements R4 requires of every AuditEvent.
            Assert.NotNull(fhir.Type?.Code);
            Assert.NotNull(fhir.Recorded);
            Assert.NotNull(fhir.Source?.Observer);
            var agent = Assert.Single(fhir.Agent);
            Assert.NotNull(agent.Requestor);
            Assert.Equal(e.PatientId is null ? 0 : 1, fhir.Entity.Count(x => x.What?.Reference?.StartsWith("Patient/", StringComparison.Ordinal) == true));
        }
    }

    [Fact]
    public async Task Audit_export_shows_a_list_event_with_every_listed_documents_id_and_the_patients_practice()
    {
        await using var portal = await TestPortal.StartAsync();
        var (patient, client, ids) = await portal.PatientWithDocumentsAsync(3);
        Assert.Equal(3, (await client.GetFromJsonAsync<List<JsonElement>>("/api/v1/documents"))!.Count);
        var practiceId = await portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Enrolments
            .Where(e => e.PatientId == patient.PatientId).Select(e => e.PracticeId).SingleAsync());
        var file = Path.Combine(portal.DataDirectory, "export.ndjson");
        var today = portal.Clock.GetUtcNow().UtcDateTime.Date;

        var exitCode = await Kaitiaki.Cli.KaitiakiCli.RunAsync(["audit", "export", "--from", today.AddDays(-1).ToString("yyyy-MM-dd"),
            "--to", today.AddDays(2).ToString("yyyy-MM-dd"), "-o", file, .. portal.StorageArgs]);

        Assert.Equal(0, exitCode);
        var deserializer = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
        var lists = (await File.ReadAllLinesAsync(file))
            .Select(line => (FhirAuditEvent)deserializer.DeserializeResource(line))
            .Where(e => e.Subtype.Any(c => c.Code == ((int)AuditAction.DocumentListed).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        var list = Assert.Single(lists);
        var listed = list.Entity.Where(x => x.What?.Identifier?.System == "https://kaitiaki.nz/ns/document-id").Select(x => Guid.Parse(x.What!.Identifier!.Value!));
        Assert.Equal(ids.Order(), listed.Order());
        Assert.Contains(list.Entity, x => x.What?.Identifier?.Value == practiceId.ToString("N"));
        Assert.NotNull(list.Agent[0].AltId);
    }
}
