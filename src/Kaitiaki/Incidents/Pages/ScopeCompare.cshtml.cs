using Kaitiaki.Audit;
using Kaitiaki.Incidents.Charts;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// What changed from one version to another (<c>?a=1&amp;b=2</c>): the patients (NHI and name) and documents added and
/// removed, with counts and a picture. A patient removed by a later version is one who will need a correction. The
/// patients shown are recorded on the audit trail as listed.
/// </summary>
[Audited(AuditAction.ScopePatientsListed)]
internal sealed class ScopeCompareModel(IncidentService incidents, IncidentDesk desk, AuditTrail audit) : IncidentPage(incidents)
{
    /// <summary>Longer lists say how many more there are; each version's own patients list has them all.</summary>
    public const int MaxListed = 1000;

    public sealed record DocumentLine(Guid DocumentId, NamedPatient? Patient, Disclosure Disclosure);

    public IReadOnlyList<ScopeVersion> Versions { get; private set; } = [];
    public int? A { get; private set; }
    public int? B { get; private set; }
    public ChangesChart? Chart { get; private set; }
    public IReadOnlyList<NamedPatient> PatientsAdded { get; private set; } = [];
    public IReadOnlyList<NamedPatient> PatientsRemoved { get; private set; } = [];
    public IReadOnlyList<DocumentLine> DocumentsAdded { get; private set; } = [];
    public IReadOnlyList<DocumentLine> DocumentsRemoved { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, string? a, string? b, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Versions = await Incidents.VersionsAsync(id, cancellationToken);
        A = int.TryParse(a, out var from) ? from : null;
        B = int.TryParse(b, out var to) ? to : null;
        Problem = Versions.Count < 2 ? new Problem("This incident has fewer than two scope versions, so there is nothing to compare yet.")
            : A is null || B is null ? new Problem("Choose the two versions to compare.", A is null ? "a" : "b")
            : A == B ? new Problem($"Choose two different versions: version {A} compared with itself has no changes.", "b")
            : Versions.All(v => v.Version != A) ? new Problem($"This incident has no scope version {A}.", "a")
            : Versions.All(v => v.Version != B) ? new Problem($"This incident has no scope version {B}.", "b")
            : null;
        if (Problem is not null)
        {
            await audit.RecordStandaloneAsync(AuditAction.ScopePatientsListed, resourceType: "Incident", resourceId: id, detail: $"compare {a} with {b}: not shown");
            return Page();
        }
        var versionA = Versions.First(v => v.Version == A);
        var versionB = Versions.First(v => v.Version == B);
        var comparison = (await Incidents.CompareAsync(id, A!.Value, B!.Value, cancellationToken))!;
        Chart = new ChangesChart(versionA, versionB, comparison);

        var added = comparison.DocumentsAdded.Take(MaxListed).ToList();
        var removed = comparison.DocumentsRemoved.Take(MaxListed).ToList();
        var documentsAdded = await desk.DocumentsAsync(versionB.Id, added, cancellationToken);
        var documentsRemoved = await desk.DocumentsAsync(versionA.Id, removed, cancellationToken);
        var patientIds = comparison.PatientsAdded.Take(MaxListed).Concat(comparison.PatientsRemoved.Take(MaxListed))
            .Concat(documentsAdded.Select(d => d.PatientId)).Concat(documentsRemoved.Select(d => d.PatientId)).Distinct().ToList();
        var patients = (await desk.PatientsAsync(patientIds, cancellationToken)).ToDictionary(p => p.Id);
        PatientsAdded = comparison.PatientsAdded.Take(MaxListed).Select(p => patients.GetValueOrDefault(p)).OfType<NamedPatient>().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        PatientsRemoved = comparison.PatientsRemoved.Take(MaxListed).Select(p => patients.GetValueOrDefault(p)).OfType<NamedPatient>().OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        DocumentsAdded = documentsAdded.Select(d => new DocumentLine(d.DocumentId, patients.GetValueOrDefault(d.PatientId), d.Disclosure)).ToList();
        DocumentsRemoved = documentsRemoved.Select(d => new DocumentLine(d.DocumentId, patients.GetValueOrDefault(d.PatientId), d.Disclosure)).ToList();

        audit.RecordWithItems(AuditAction.ScopePatientsListed, "ScopeVersion", versionB.Id, $"compare version {A} with version {B}", patientIds);
        await audit.SaveReadsAsync(cancellationToken);
        return Page();
    }

}
