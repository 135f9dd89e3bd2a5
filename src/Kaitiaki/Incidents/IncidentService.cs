using Kaitiaki.Audit;
using Kaitiaki.Security;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>The patients and documents one version has and another has not.</summary>
internal sealed record ScopeComparison(
    int FromVersion, int ToVersion,
    IReadOnlyList<Guid> PatientsAdded, IReadOnlyList<Guid> PatientsRemoved, IReadOnlyList<Guid> DocumentsAdded, IReadOnlyList<Guid> DocumentsRemoved);

/// <summary>What freezing came to.</summary>
internal enum FreezeResult
{
    Frozen,
    NoSuchVersion,
    AlreadyFrozen,
}

/// <summary>One line of an incident's timeline as it is shown: stored entries and the containment actions of its time.</summary>
internal sealed record TimelineLine(DateTime At, TimelineKind Kind, string Text, Guid? By);

/// <summary>
/// Incidents, their versions and their timeline: opening one by hand or from an alert, freezing a version, comparing two,
/// and the harm assessment, agencies and contact. Incident managers only; the endpoints and pages say so.
/// </summary>
internal sealed class IncidentService(KaitiakiDb db, AuditTrail audit, TimeProvider clock, IncidentOptions options)
{
    /// <summary>The Privacy Commissioner expects to be told within 72 hours of the operator becoming aware.</summary>
    public static readonly TimeSpan CommissionerClock = TimeSpan.FromHours(72);

    public async Task<Incident> OpenAsync(string title, DateTime awareAt, Guid by, Guid? alertId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var incident = new Incident { Title = title.Trim(), AwareAt = awareAt, CreatedAt = now, CreatedBy = by, AlertId = alertId };
        db.Incidents.Add(incident);
        db.TimelineEntries.Add(new TimelineEntry
        {
            IncidentId = incident.Id,
            At = now,
            Kind = TimelineKind.Opened,
            By = by,
            RefId = alertId,
            Text = alertId is null ? "Incident opened." : "Incident opened from a security alert.",
        });
        audit.Record(AuditAction.IncidentOpened, resourceType: "Incident", resourceId: incident.Id, actorAccountId: by,
            detail: alertId is null ? "by hand" : "from an alert");
        await db.SaveChangesAsync(cancellationToken);
        return incident;
    }

    /// <summary>Checks a title and a time of awareness as a person typed them; null when both are fine.</summary>
    public string? CheckNew(string? title, DateTime? awareAt)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return "Give the incident a title, such as \"Bulk document downloads by one clinician account\".";
        }
        if (title.Trim().Length > 200)
        {
            return "Keep the title to 200 characters or fewer.";
        }
        if (awareAt is not { } at)
        {
            return "Say when the operator became aware of the breach (\"awareAt\"): the Commissioner's 72 hours run from then.";
        }
        if (at.ToUniversalTime() > clock.GetUtcNow().UtcDateTime.AddMinutes(5))
        {
            return "The time of awareness is in the future. Give the time the operator actually became aware.";
        }
        return null;
    }

    public Task<Incident?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);

    public Task<List<Incident>> ListAsync(CancellationToken cancellationToken) =>
        db.Incidents.AsNoTracking().OrderByDescending(i => i.AwareAt).ToListAsync(cancellationToken);

    public Task<List<ScopeVersion>> VersionsAsync(Guid incidentId, CancellationToken cancellationToken) =>
        db.ScopeVersions.AsNoTracking().Where(v => v.IncidentId == incidentId).OrderBy(v => v.Version).ToListAsync(cancellationToken);

    public Task<ScopeVersion?> VersionAsync(Guid incidentId, int version, CancellationToken cancellationToken) =>
        db.ScopeVersions.AsNoTracking().FirstOrDefaultAsync(v => v.IncidentId == incidentId && v.Version == version, cancellationToken);

    /// <summary>
    /// Freezes a version: from now on it never changes, patients' statuses follow it, and practices have
    /// <see cref="IncidentOptions.ReviewWindow"/> to review it. Freezing twice changes nothing.
    /// </summary>
    public async Task<FreezeResult> FreezeAsync(Guid incidentId, int number, Guid by, CancellationToken cancellationToken)
    {
        var version = await db.ScopeVersions.FirstOrDefaultAsync(v => v.IncidentId == incidentId && v.Version == number, cancellationToken);
        if (version is null)
        {
            return FreezeResult.NoSuchVersion;
        }
        if (version.FrozenAt is not null)
        {
            return FreezeResult.AlreadyFrozen;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        version.FrozenAt = now;
        version.FrozenBy = by;
        version.ReviewDueAt = now + options.ReviewWindow;
        db.TimelineEntries.Add(new TimelineEntry
        {
            IncidentId = incidentId,
            At = now,
            Kind = TimelineKind.Freeze,
            By = by,
            RefId = version.Id,
            Text = $"Scope version {number} frozen: {version.Patients:N0} patients. Practices' review is due by {Web.NzTime.DateAndTime(version.ReviewDueAt.Value)}.",
        });
        audit.Record(AuditAction.ScopeFrozen, resourceType: "ScopeVersion", resourceId: version.Id, actorAccountId: by, detail: $"version {number}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return FreezeResult.AlreadyFrozen;
        }
        return FreezeResult.Frozen;
    }

    /// <summary>What changed from version <paramref name="from"/> to <paramref name="to"/> of one incident; null when either is not one of its versions.</summary>
    public async Task<ScopeComparison?> CompareAsync(Guid incidentId, int from, int to, CancellationToken cancellationToken)
    {
        var a = await VersionAsync(incidentId, from, cancellationToken);
        var b = await VersionAsync(incidentId, to, cancellationToken);
        if (a is null || b is null)
        {
            return null;
        }
        var patientsA = await db.ScopePatients.Where(p => p.ScopeVersionId == a.Id).Select(p => p.PatientId).ToListAsync(cancellationToken);
        var patientsB = await db.ScopePatients.Where(p => p.ScopeVersionId == b.Id).Select(p => p.PatientId).ToListAsync(cancellationToken);
        var documentsA = await db.ScopeDocuments.Where(d => d.ScopeVersionId == a.Id).Select(d => d.DocumentId).ToListAsync(cancellationToken);
        var documentsB = await db.ScopeDocuments.Where(d => d.ScopeVersionId == b.Id).Select(d => d.DocumentId).ToListAsync(cancellationToken);
        return new ScopeComparison(from, to,
            patientsB.Except(patientsA).Order().ToList(), patientsA.Except(patientsB).Order().ToList(),
            documentsB.Except(documentsA).Order().ToList(), documentsA.Except(documentsB).Order().ToList());
    }

    /// <summary>
    /// The timeline: entries the portal and people added, and every containment action applied or undone from a day
    /// before awareness on (or tied to the incident's alert), newest last.
    /// </summary>
    public async Task<List<TimelineLine>> TimelineAsync(Incident incident, CancellationToken cancellationToken)
    {
        var lines = await db.TimelineEntries.AsNoTracking().Where(t => t.IncidentId == incident.Id)
            .Select(t => new TimelineLine(t.At, t.Kind, t.Text, t.By)).ToListAsync(cancellationToken);
        var since = incident.AwareAt.AddDays(-1);
        var alertId = incident.AlertId;
        var actions = await db.ContainmentActions.AsNoTracking()
            .Where(a => a.AppliedAt >= since || (a.UndoneAt != null && a.UndoneAt >= since) || (alertId != null && a.AlertId == alertId))
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var action in actions)
        {
            var what = AlertWords.Action(SecurityConsole.Describe(action, now));
            lines.Add(new TimelineLine(action.AppliedAt, TimelineKind.Containment, $"Containment: {what}.", action.AppliedBy));
            if (action.UndoneAt is { } undone)
            {
                lines.Add(new TimelineLine(undone, TimelineKind.Containment, $"Containment undone: {what}.", action.UndoneBy));
            }
        }
        return lines.OrderBy(l => l.At).ToList();
    }

    /// <summary>Adds a person's entry (a call, an agency, a decision or a note) to the timeline.</summary>
    public async Task AddEntryAsync(Guid incidentId, TimelineKind kind, string text, DateTime at, Guid by, CancellationToken cancellationToken)
    {
        db.TimelineEntries.Add(new TimelineEntry { IncidentId = incidentId, At = at, Kind = kind, Text = text.Trim(), By = by });
        audit.Record(AuditAction.IncidentUpdated, resourceType: "Incident", resourceId: incidentId, actorAccountId: by, detail: $"timeline: {kind}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Records one harm factor's finding and reason; a newer one for the same factor supersedes it.</summary>
    public async Task AssessAsync(Guid incidentId, HarmFactor factor, string finding, string reason, Guid by, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.HarmAssessments.Add(new HarmAssessment
        {
            IncidentId = incidentId, Factor = factor, Finding = finding.Trim(), Reason = reason.Trim(), RecordedAt = now, RecordedBy = by,
        });
        db.TimelineEntries.Add(new TimelineEntry
        {
            IncidentId = incidentId, At = now, Kind = TimelineKind.HarmAssessment, By = by, Text = $"Harm assessment: {HarmWords.Name(factor)} recorded.",
        });
        audit.Record(AuditAction.IncidentUpdated, resourceType: "Incident", resourceId: incidentId, actorAccountId: by, detail: $"harm: {factor}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The latest finding for each factor that has one.</summary>
    public async Task<List<HarmAssessment>> HarmAsync(Guid incidentId, CancellationToken cancellationToken) =>
        (await db.HarmAssessments.AsNoTracking().Where(h => h.IncidentId == incidentId).ToListAsync(cancellationToken))
        .GroupBy(h => h.Factor).Select(g => g.OrderByDescending(h => h.RecordedAt).First()).OrderBy(h => h.Factor).ToList();

    public async Task AddAgencyAsync(AgencyContact contact, CancellationToken cancellationToken)
    {
        db.AgencyContacts.Add(contact);
        if (contact.Agency == Agency.PrivacyCommissioner)
        {
            var incident = await db.Incidents.FirstAsync(i => i.Id == contact.IncidentId, cancellationToken);
            incident.CommissionerNotifiedAt ??= contact.ContactedAt;
        }
        db.TimelineEntries.Add(new TimelineEntry
        {
            IncidentId = contact.IncidentId, At = contact.ContactedAt, Kind = TimelineKind.Agency, By = contact.RecordedBy,
            Text = $"Contacted {HarmWords.Name(contact.Agency, contact.OtherName)}" + (contact.ContactPerson is { Length: > 0 } p ? $" ({p})." : "."),
        });
        audit.Record(AuditAction.IncidentUpdated, resourceType: "Incident", resourceId: contact.IncidentId, actorAccountId: contact.RecordedBy,
            detail: $"agency: {contact.Agency}");
        await db.SaveChangesAsync(cancellationToken);
    }

    public Task<List<AgencyContact>> AgenciesAsync(Guid incidentId, CancellationToken cancellationToken) =>
        db.AgencyContacts.AsNoTracking().Where(a => a.IncidentId == incidentId).OrderBy(a => a.ContactedAt).ToListAsync(cancellationToken);

    public async Task SetContactAsync(Guid incidentId, string? name, string? email, string? phone, Guid by, CancellationToken cancellationToken)
    {
        var incident = await db.Incidents.FirstAsync(i => i.Id == incidentId, cancellationToken);
        incident.ContactName = Blank(name);
        incident.ContactEmail = Blank(email);
        incident.ContactPhone = Blank(phone);
        audit.Record(AuditAction.IncidentUpdated, resourceType: "Incident", resourceId: incidentId, actorAccountId: by, detail: "contact person");
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
