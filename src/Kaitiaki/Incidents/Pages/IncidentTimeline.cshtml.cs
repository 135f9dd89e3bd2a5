using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// An incident's whole timeline, earliest first: what the portal added (opening, containment, scope versions, freezes,
/// practices' reviews, harm findings) and what people added by hand (calls, agencies, decisions, notes), with the form
/// to add one.
/// </summary>
[Audited(AuditAction.IncidentViewed, AuditAction.IncidentUpdated)]
internal sealed class IncidentTimelineModel(IncidentService incidents, IncidentDesk desk, AuditTrail audit, TimeProvider clock) : IncidentPage(incidents)
{
    public const int MaxText = 2000;

    public IReadOnlyList<TimelineLine> Lines { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();

    public string? Kind { get; private set; }
    public string? At { get; private set; }
    public string? Text { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Message = IncidentText.DoneMessage(done);
        At = IncidentText.FormTime(clock.GetUtcNow().UtcDateTime);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, string? kind, string? at, string? text, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        (Kind, At, Text) = (kind, at, text);
        var chosen = IncidentText.ManualKinds.FirstOrDefault(k => k.Value == kind);
        DateTime when = default;
        Problem = kind is null || chosen.Value is null ? new Problem("Choose what kind of entry this is: a call, an agency, a decision or a note.", "kind")
            : string.IsNullOrWhiteSpace(text) ? new Problem("Say what happened: the entry needs some words.", "text")
            : text.Trim().Length > MaxText ? new Problem($"Keep the entry to {MaxText:N0} characters or fewer.", "text")
            : string.IsNullOrWhiteSpace(at) ? new Problem("Say when it happened.", "at")
            : !IncidentText.TryReadTime(at, out when) ? new Problem("Enter when it happened as a date and time, for example 2026-12-01 09:00 (New Zealand time).", "at")
            : when > clock.GetUtcNow().UtcDateTime.AddMinutes(5) ? new Problem("That time is in the future. The timeline records what has happened.", "at")
            : null;
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        await Incidents.AddEntryAsync(id, chosen.Kind, text!, when, Me, cancellationToken);
        return Redirect($"/operator/incidents/{id}/timeline?done=entry#timeline");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Lines = await Incidents.TimelineAsync(Incident, cancellationToken);
        Names = await desk.NamesAsync(Lines.Select(l => l.By), cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: Incident.Id, detail: $"timeline; {Lines.Count}");
    }

    public string NameOf(Guid? id) => id is null ? "Kaitiaki" : Names.TryGetValue(id.Value, out var name) ? name : "An operator";
}
