using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// A version's affected patients, a page at a time, every line naming the version: who, what of theirs was disclosed,
/// how many documents, their practices then and now, and any practice's flag. <see cref="PracticeReview.VersionPatientsAsync"/>
/// records the patients shown on the audit trail.
/// </summary>
[Audited(AuditAction.ScopePatientsListed)]
internal sealed class ScopePatientsModel(IncidentService incidents, PracticeReview review, IncidentDesk desk) : IncidentPage(incidents)
{
    public const int PageSize = 100;

    public ScopeVersion Version { get; private set; } = null!;
    public ScopePatientPage List { get; private set; } = null!;
    public IReadOnlyDictionary<Guid, string> Practices { get; private set; } = new Dictionary<Guid, string>();

    public async Task<IActionResult> OnGetAsync(Guid id, int version, int? page, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken) || await Incidents.VersionAsync(id, version, cancellationToken) is not { } found)
        {
            return NotFound();
        }
        Version = found;
        var number = Math.Max(1, page ?? 1);
        List = (await review.VersionPatientsAsync(id, version, number, PageSize, cancellationToken))!;
        Practices = await desk.PracticeNamesAsync(List.Patients.SelectMany(p => p.PracticeIdsAtAccess.Concat(p.PracticeIdsNow)), cancellationToken);
        return Page();
    }

    public string PracticeNames(IReadOnlyList<Guid> ids) =>
        ids.Count == 0 ? "None" : string.Join(", ", ids.Select(i => Practices.TryGetValue(i, out var name) ? name : "A practice no longer on record"));
}
