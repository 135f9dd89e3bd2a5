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
}
