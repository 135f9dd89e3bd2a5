using System.Reflection;
using System.Security.Cryptography;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>A person's status in breach incidents. The API spells them impacted, not-impacted, under-review and no-incident.</summary>
internal enum SecurityState
{
    NoIncident = 0,
    NotImpacted = 1,
    UnderReview = 2,
    Impacted = 3,
}

/// <summary>One of the person's documents a frozen version found disclosed: what it is, when it was first accessed, and how much was seen.</summary>
internal sealed record StatusDocument(Guid Id, string Title, DateTime AccessedAt, Disclosure Disclosure);

/// <summary>A person's security status, named by the incident and the version it follows, with the phrase their notices carry.</summary>
internal sealed record SecurityStatus(
    Guid PatientId, SecurityState State, Guid? IncidentId, string? IncidentTitle, int? ScopeVersion, IReadOnlyList<StatusDocument> Documents,
    string VerificationPhrase)
{
    public string ApiName => State switch
    {
        SecurityState.Impacted => "impacted",
        SecurityState.NotImpacted => "not-impacted",
        SecurityState.UnderReview => "under-review",
        _ => "no-incident",
    };
}

/// <summary>
/// Works out each person's status from the incidents' scope versions: impacted when an incident's latest frozen version
/// includes them; not impacted when a frozen version exists and excludes them; under review when an incident has no
/// frozen version yet but its latest draft includes them; no incident otherwise. Across incidents the gravest wins.
/// Callers decide whose status may be read (the patient-side rule, the helpline's three details); this reads it.
/// </summary>
internal sealed class SecurityStatuses(KaitiakiDb db, VerificationPhrases phrases)
{
    public async Task<SecurityStatus> ForAsync(Guid patientId, CancellationToken cancellationToken)
    {
        var versions = await db.ScopeVersions.AsNoTracking()
            .Join(db.Incidents, v => v.IncidentId, i => i.Id, (v, i) => new { v.Id, v.IncidentId, i.Title, v.Version, v.FrozenAt })
            .ToListAsync(cancellationToken);
        var best = (State: SecurityState.NoIncident, IncidentId: (Guid?)null, Title: (string?)null, Version: (int?)null, VersionId: (Guid?)null);
        foreach (var incident in versions.GroupBy(v => v.IncidentId))
        {
            var frozen = incident.Where(v => v.FrozenAt != null).MaxBy(v => v.Version);
            var deciding = frozen ?? incident.MaxBy(v => v.Version)!;
            var included = await db.ScopePatients.AnyAsync(p => p.ScopeVersionId == deciding.Id && p.PatientId == patientId, cancellationToken);
            var state = (frozen, included) switch
            {
                (not null, true) => SecurityState.Impacted,
                (not null, false) => SecurityState.NotImpacted,
                (null, true) => SecurityState.UnderReview,
                _ => SecurityState.NoIncident,
            };
            if (state > best.State)
            {
                best = (state, incident.Key, deciding.Title, deciding.Version, deciding.Id);
            }
        }
        var documents = best.State is SecurityState.Impacted or SecurityState.UnderReview
            ? await DocumentsAsync(best.VersionId!.Value, patientId, cancellationToken)
            : [];
        var phrase = await phrases.ForAsync(patientId, cancellationToken);
        return best.State == SecurityState.NoIncident
            ? new SecurityStatus(patientId, SecurityState.NoIncident, null, null, null, [], phrase)
            : new SecurityStatus(patientId, best.State, best.IncidentId, best.Title, best.Version, documents, phrase);
    }

    private async Task<List<StatusDocument>> DocumentsAsync(Guid versionId, Guid patientId, CancellationToken cancellationToken)
    {
        // The titles are the patient's own documents' titles, shown only to someone who may see their status.
        var rows = await db.ScopeDocuments.AsNoTracking()
            .Where(d => d.ScopeVersionId == versionId && d.PatientId == patientId)
            .GroupJoin(db.Documents, d => d.DocumentId, h => h.Id, (d, h) => new { d, h })
            .SelectMany(x => x.h.DefaultIfEmpty(), (x, h) => new { x.d.DocumentId, Title = h == null ? null : h.Title, x.d.FirstAccessedAt, x.d.Disclosure })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new StatusDocument(r.DocumentId, r.Title ?? "A document since removed", r.FirstAccessedAt, r.Disclosure))
            .OrderBy(d => d.AccessedAt).ToList();
    }
}

/// <summary>
/// Each patient's verification phrase: four words from a fixed list of 409 and a two-digit number, drawn from the system's
/// random number generator (about 41 bits), made once and kept. The phrase is unique across patients, so it is never
/// reused, and it is made from nothing about the person.
/// </summary>
internal sealed class VerificationPhrases(KaitiakiDb db, TimeProvider clock)
{
    private static readonly Lazy<string[]> Words = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Kaitiaki.Incidents.phrase-words.txt")
                           ?? throw new InvalidOperationException("The verification phrase word list is missing from the build.");
        using var reader = new StreamReader(stream);
        var words = reader.ReadToEnd().Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
        return words.Length >= 400 ? words : throw new InvalidOperationException("The verification phrase word list is too short.");
    });

    public static int WordCount => Words.Value.Length;

    public async Task<string> ForAsync(Guid patientId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.VerificationPhrases.AsNoTracking().Where(p => p.PatientId == patientId).Select(p => p.Phrase).FirstOrDefaultAsync(cancellationToken);
            if (existing is not null)
            {
                return existing;
            }
            var phrase = Draw();
            db.VerificationPhrases.Add(new VerificationPhrase { PatientId = patientId, Phrase = phrase, CreatedAt = clock.GetUtcNow().UtcDateTime });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return phrase;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Another request made this patient's phrase first, or (rarely) the same phrase was drawn for someone else.
                db.ChangeTracker.Clear();
            }
        }
    }

    public static string Draw()
    {
        var words = Words.Value;
        var picked = Enumerable.Range(0, 4).Select(_ => words[RandomNumberGenerator.GetInt32(words.Length)]);
        return $"{string.Join(' ', picked)} {RandomNumberGenerator.GetInt32(10, 100)}";
    }
}
