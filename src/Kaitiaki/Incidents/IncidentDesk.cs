using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>A patient as the compare page names them: NHI and name.</summary>
internal sealed record NamedPatient(Guid Id, string Nhi, string Name);

/// <summary>One practice in a frozen version's review: its patients in the version, and its approval if it gave one.</summary>
internal sealed record PracticeReviewRow(Guid PracticeId, string Name, bool Left, int Patients, DateTime? ApprovedAt, bool Late);

/// <summary>The security alert an incident can be opened from, as the incident pages need it.</summary>
internal sealed record AlertOrigin(Guid Id, string Rule, DateTime RaisedAt, string Summary);

/// <summary>
/// The small reads the incident manager's pages need besides <see cref="IncidentService"/> and <see cref="PracticeReview"/>:
/// names for ids, a factor's earlier findings, practices' review by version, and the alert an incident came from. The
/// pages audit what they show.
/// </summary>
internal sealed class IncidentDesk(KaitiakiDb db, PracticeReview review)
{
    /// <summary>Accounts' display names by id, for saying who added a timeline entry or ran a version.</summary>
    public async Task<Dictionary<Guid, string>> NamesAsync(IEnumerable<Guid?> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.OfType<Guid>().Distinct().ToList();
        return await db.Users.AsNoTracking().Where(a => wanted.Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, a => a.DisplayName, cancellationToken);
    }

    /// <summary>Patients by id, ordered by family name then given name.</summary>
    public Task<List<NamedPatient>> PatientsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        db.Patients.AsNoTracking().Where(p => ids.Contains(p.Id))
            .OrderBy(p => p.FamilyName).ThenBy(p => p.GivenName).ThenBy(p => p.Id)
            .Select(p => new NamedPatient(p.Id, p.Nhi, p.GivenName + " " + p.FamilyName)).ToListAsync(cancellationToken);

    /// <summary>These documents of one version, by patient.</summary>
    public Task<List<ScopeDocument>> DocumentsAsync(Guid versionId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        db.ScopeDocuments.AsNoTracking().Where(d => d.ScopeVersionId == versionId && ids.Contains(d.DocumentId))
            .OrderBy(d => d.PatientId).ThenBy(d => d.DocumentId).ToListAsync(cancellationToken);

    public async Task<Dictionary<Guid, string>> PracticeNamesAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().ToList();
        return await db.Practices.AsNoTracking().Where(p => wanted.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
    }

    /// <summary>Every finding recorded for an incident, newest first: the page shows the latest per factor and keeps the rest below it.</summary>
    public Task<List<HarmAssessment>> HarmHistoryAsync(Guid incidentId, CancellationToken cancellationToken) =>
        db.HarmAssessments.AsNoTracking().Where(h => h.IncidentId == incidentId).OrderByDescending(h => h.RecordedAt).ThenByDescending(h => h.Id)
            .ToListAsync(cancellationToken);

    /// <summary>
    /// For each frozen version, every practice in it with its patients and its approval (<see cref="PracticeReview.ApprovalsAsync"/>),
    /// those yet to approve first.
    /// </summary>
    public async Task<Dictionary<int, List<PracticeReviewRow>>> ReviewsAsync(Guid incidentId, IReadOnlyList<ScopeVersion> versions, CancellationToken cancellationToken)
    {
        var frozen = versions.Where(v => v.FrozenAt is not null).ToList();
        var ids = frozen.Select(v => v.Id).ToList();
        var counts = await db.ScopePractices.AsNoTracking().Where(p => ids.Contains(p.ScopeVersionId))
            .GroupBy(p => new { p.ScopeVersionId, p.PracticeId }).Select(g => new { g.Key.ScopeVersionId, g.Key.PracticeId, Patients = g.Count() })
            .ToListAsync(cancellationToken);
        var practiceIds = counts.Select(c => c.PracticeId).Distinct().ToList();
        var practices = await db.Practices.AsNoTracking().Where(p => practiceIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Name, p.Status }).ToDictionaryAsync(p => p.Id, cancellationToken);
        var approvals = await review.ApprovalsAsync(incidentId, cancellationToken);
        return frozen.ToDictionary(v => v.Version, v => counts.Where(c => c.ScopeVersionId == v.Id).Select(c =>
            {
                var practice = practices.GetValueOrDefault(c.PracticeId);
                var approval = approvals.FirstOrDefault(a => a.PracticeId == c.PracticeId && a.Version == v.Version);
                return new PracticeReviewRow(c.PracticeId, practice?.Name ?? "A practice no longer on record", practice?.Status == PracticeStatus.Left,
                    c.Patients, approval?.ApprovedAt, approval?.Late ?? false);
            })
            .OrderBy(r => r.ApprovedAt is not null).ThenBy(r => r.Name, StringComparer.Ordinal).ToList());
    }

    public Task<AlertOrigin?> AlertAsync(Guid id, CancellationToken cancellationToken) =>
        db.SecurityAlerts.AsNoTracking().Where(a => a.Id == id).Select(a => new AlertOrigin(a.Id, a.Rule, a.RaisedAt, a.Summary))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>The incident opened from each of these alerts, if one was.</summary>
    public async Task<Dictionary<Guid, Incident>> IncidentsFromAsync(IReadOnlyCollection<Guid> alertIds, CancellationToken cancellationToken) =>
        (await db.Incidents.AsNoTracking().Where(i => i.AlertId != null && alertIds.Contains(i.AlertId.Value)).OrderBy(i => i.CreatedAt)
            .ToListAsync(cancellationToken))
        .GroupBy(i => i.AlertId!.Value).ToDictionary(g => g.Key, g => g.First());

    /// <summary>
    /// Account ids for e-mail addresses as typed; the addresses no account has come back apart, so the form can name
    /// the first.
    /// </summary>
    public async Task<(Dictionary<string, Guid> Found, List<string> Unknown)> AccountsByEmailAsync(IReadOnlyCollection<string> emails, CancellationToken cancellationToken)
    {
        var normal = emails.Select(e => e.Trim().ToUpperInvariant()).Distinct().ToList();
        var found = await db.Users.AsNoTracking().Where(a => a.NormalizedEmail != null && normal.Contains(a.NormalizedEmail))
            .Select(a => new { a.Id, a.NormalizedEmail }).ToListAsync(cancellationToken);
        var byEmail = new Dictionary<string, Guid>(StringComparer.OrdinalIgnoreCase);
        var unknown = new List<string>();
        foreach (var email in emails)
        {
            if (found.FirstOrDefault(f => string.Equals(f.NormalizedEmail, email.Trim(), StringComparison.OrdinalIgnoreCase)) is { } account)
            {
                byEmail[email] = account.Id;
            }
            else
            {
                unknown.Add(email);
            }
        }
        return (byEmail, unknown);
    }
}
