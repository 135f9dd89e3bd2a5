using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The harm assessment (Privacy Act s113): one row per factor, each with a finding and the reason for it. Saving a
/// factor again records a newer finding; earlier ones stay, shown beneath it with who recorded them and when.
/// </summary>
[Audited(AuditAction.IncidentViewed, AuditAction.IncidentUpdated)]
internal sealed class IncidentHarmModel(IncidentService incidents, IncidentDesk desk, AuditTrail audit) : IncidentPage(incidents)
{
    public const int MaxText = 2000;

    public IReadOnlyList<HarmAssessment> History { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();

    /// <summary>The factor whose form was sent back with a problem, and what was typed into it.</summary>
    public HarmFactor? Posted { get; private set; }
    public string? Finding { get; private set; }
    public string? Reason { get; private set; }

    public static string Value(HarmFactor factor) => factor.ToString().ToLowerInvariant();

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Message = IncidentText.DoneMessage(done);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, string? factor, string? finding, string? reason, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (HarmWords.ParseFactor(factor) is not { } chosen)
        {
            Problem = new Problem("Save one of the six factors below, each with its own button.");
            await LoadAsync(cancellationToken);
            return Page();
        }
        (Posted, Finding, Reason) = (chosen, finding, reason);
        var name = HarmWords.Name(chosen).ToLowerInvariant();
        Problem = string.IsNullOrWhiteSpace(finding) ? new Problem($"Write the finding for \"{HarmWords.Name(chosen)}\".", $"finding-{Value(chosen)}")
            : finding.Trim().Length > MaxText ? new Problem($"Keep the finding to {MaxText:N0} characters or fewer.", $"finding-{Value(chosen)}")
            : string.IsNullOrWhiteSpace(reason) ? new Problem($"Give the reason for the finding on {name}: the Commissioner may ask why.", $"reason-{Value(chosen)}")
            : reason.Trim().Length > MaxText ? new Problem($"Keep the reason to {MaxText:N0} characters or fewer.", $"reason-{Value(chosen)}")
            : null;
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        await Incidents.AssessAsync(id, chosen, finding!, reason!, Me, cancellationToken);
        return Redirect($"/operator/incidents/{id}/harm?done=harm#factor-{Value(chosen)}");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        History = await desk.HarmHistoryAsync(Incident.Id, cancellationToken);
        Names = await desk.NamesAsync(History.Select(h => (Guid?)h.RecordedBy), cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: Incident.Id, detail: "harm assessment");
    }

    public string NameOf(Guid id) => Names.TryGetValue(id, out var name) ? name : "An operator";
}
