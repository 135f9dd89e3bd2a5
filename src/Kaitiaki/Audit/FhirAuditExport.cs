using Hl7.Fhir.Model;
using FhirAuditEvent = Hl7.Fhir.Model.AuditEvent;
using Hl7.Fhir.Serialization;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

/// <summary>Writes audit events as FHIR R4 AuditEvent resources, one JSON object per line (NDJSON).</summary>
internal sealed class FhirAuditExport(KaitiakiDb db)
{
    private const string DicomSystem = "http://dicom.nema.org/resources/ontology/DCM";
    private const string ActionSystem = "https://kaitiaki.nz/fhir/CodeSystem/audit-action";
    private const string NhiSystem = "https://standards.digital.health.nz/ns/nhi-id";

    public async Task<long> WriteAsync(TextWriter output, DateTime from, DateTime to, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var serializer = new FhirJsonSerializer();
        long written = 0;
        var events = db.AuditEvents.AsNoTracking()
            .Where(e => e.OccurredAt >= from && e.OccurredAt < to)
            .OrderBy(e => e.Sequence)
            .AsAsyncEnumerable();
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            await output.WriteLineAsync(serializer.SerializeToString(ToFhir(e)));
            if (++written % 1000 == 0)
            {
                progress?.Report(written);
            }
        }
        progress?.Report(written);
        return written;
    }

    public static FhirAuditEvent ToFhir(AuditEvent e)
    {
        var isSecurity = e.Action is < AuditAction.InvitationCreated or AuditAction.OperatorCreated;
        var fhir = new FhirAuditEvent
        {
            Id = e.Id.ToString("N"),
            Type = isSecurity
                ? new Coding(DicomSystem, "110114", "User Authentication")
                : new Coding(DicomSystem, "110110", "Patient Record"),
            Subtype = [new Coding(ActionSystem, ((int)e.Action).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Action.ToString())],
            Action = ActionCode(e.Action),
            Recorded = new DateTimeOffset(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)),
            Outcome = e.Outcome switch
            {
                AuditOutcome.Success => FhirAuditEvent.AuditEventOutcome.N0,
                AuditOutcome.Denied => FhirAuditEvent.AuditEventOutcome.N8,
                _ => FhirAuditEvent.AuditEventOutcome.N4,
            },
            OutcomeDesc = e.Detail,
            Source = new FhirAuditEvent.SourceComponent { Observer = new ResourceReference { Display = "Kaitiaki" } },
        };
        fhir.Agent.Add(new FhirAuditEvent.AgentComponent
        {
            Requestor = true,
            Who = e.ActorAccountId is { } actor
                ? new ResourceReference { Identifier = new Identifier("https://kaitiaki.nz/ns/account-id", actor.ToString("N")), Display = e.ActorRole }
                : new ResourceReference { Display = e.Client ?? "system" },
            Network = e.IpAddress is null ? null : new FhirAuditEvent.NetworkComponent { Address = e.IpAddress, Type = FhirAuditEvent.AuditEventAgentNetworkType.N2 },
        });
        if (e.PatientId is { } patient)
        {
            fhir.Entity.Add(new FhirAuditEvent.EntityComponent
            {
                What = new ResourceReference($"Patient/{patient:N}"),
                Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            });
        }
        if (e.ResourceId is { } resource)
        {
            fhir.Entity.Add(new FhirAuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier("https://kaitiaki.nz/ns/resource-id", resource.ToString("N")), Display = e.ResourceType },
            });
        }
        foreach (var item in e.ItemIds())
        {
            // Each item a list disclosed: what a breach scope counts as metadata seen.
            fhir.Entity.Add(new FhirAuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier("https://kaitiaki.nz/ns/document-id", item.ToString("N")), Display = "Listed document" },
                Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource"),
            });
        }
        if (e.PracticeId is { } practice)
        {
            fhir.Entity.Add(new FhirAuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier("https://kaitiaki.nz/ns/practice-id", practice.ToString("N")), Display = "Practice" },
            });
        }
        if (e.SessionId is { } session)
        {
            fhir.Agent[0].AltId = session.ToString("N");
        }
        return fhir;
    }

    private static FhirAuditEvent.AuditEventAction ActionCode(AuditAction action) => action switch
    {
        AuditAction.InvitationCreated or AuditAction.PatientCreated or AuditAction.EnrolmentStarted
            or AuditAction.StaffMembershipAdded or AuditAction.ProxyGrantCreated or AuditAction.PracticeCreated
            or AuditAction.OperatorCreated => FhirAuditEvent.AuditEventAction.C,
        AuditAction.AccessLogViewed or AuditAction.PatientListViewed or AuditAction.PatientDetailsViewed
            or AuditAction.AuditTrailViewed or AuditAction.SessionListViewed or AuditAction.AccountSecurityLookedUp => FhirAuditEvent.AuditEventAction.R,
        AuditAction.EnrolmentEnded or AuditAction.PracticeLeft or AuditAction.SessionRevoked
            or AuditAction.SessionsRevokedEverywhere or AuditAction.SessionsRevokedBySupport => FhirAuditEvent.AuditEventAction.U,
        _ => FhirAuditEvent.AuditEventAction.E,
    };
}
