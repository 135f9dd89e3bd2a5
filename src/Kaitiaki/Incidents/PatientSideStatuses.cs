using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Incidents;

/// <summary>One person's security status as the patient-side pages show it, with when the Commissioner was told of its incident.</summary>
internal sealed record PersonStatus(PatientSidePerson Person, SecurityStatus Status, DateTime? CommissionerNotifiedAt)
{
    /// <summary>"your" for the account's own patient, "Mia Smith's" for someone they act for.</summary>
    public string Whose => Person.IsSelf ? "your" : $"{Person.Name}'s";

    public string WhoseCapital => Person.IsSelf ? "Your" : $"{Person.Name}'s";
}

/// <summary>
/// The security statuses of the people an account acts for on the patient's side (<see cref="PatientAccess.PatientSidePeopleAsync"/>),
/// for the security status pages and the banner on the patient's home. Each status shown is recorded as its own
/// <see cref="AuditAction.SecurityStatusViewed"/> read of that person, as the API's <c>/api/v1/me/security-status</c> records it.
/// </summary>
internal sealed class PatientSideStatuses(PatientAccess access, SecurityStatuses statuses, KaitiakiDb db, AuditTrail audit)
{
    /// <summary>
    /// Everyone the account acts for, or only <paramref name="patientId"/> when it names one of them; null when it names
    /// someone else (the caller answers 404, as for someone who does not exist). Nothing is recorded here: call
    /// <see cref="RecordShownAsync"/> for the statuses the page shows, before it is sent.
    /// </summary>
    public async Task<List<PersonStatus>?> ReadAsync(Guid accountId, Guid? patientId, CancellationToken cancellationToken)
    {
        // The people come from the signed-in account; an id in the address only chooses among them.
        var people = await access.PatientSidePeopleAsync(accountId, cancellationToken);
        if (patientId is { } wanted)
        {
            people = people.Where(p => p.Id == wanted).ToList();
            if (people.Count == 0)
            {
                return null;
            }
        }
        return await ForPeopleAsync(people, cancellationToken);
    }

    /// <summary>The statuses of people already read from <see cref="PatientAccess.PatientSidePeopleAsync"/> (a page that lists them anyway).</summary>
    public async Task<List<PersonStatus>> ForPeopleAsync(IEnumerable<PatientSidePerson> people, CancellationToken cancellationToken)
    {
        var found = new List<PersonStatus>();
        foreach (var person in people)
        {
            var status = await statuses.ForAsync(person.Id, cancellationToken);
            var notified = status.IncidentId is { } incidentId
                ? await db.Incidents.AsNoTracking().Where(i => i.Id == incidentId).Select(i => i.CommissionerNotifiedAt).FirstOrDefaultAsync(cancellationToken)
                : null;
            found.Add(new PersonStatus(person, status, notified));
        }
        return found;
    }

    /// <summary>
    /// Records one read per person whose status is about to be shown, with the person as the patient. The detail keeps
    /// what they were shown and the version it followed, so a later correction can say what it corrects.
    /// </summary>
    public async Task RecordShownAsync(IEnumerable<PersonStatus> shown)
    {
        foreach (var s in shown)
        {
            await audit.RecordStandaloneAsync(AuditAction.SecurityStatusViewed, patientId: s.Person.Id, resourceType: "Patient", resourceId: s.Person.Id,
                detail: s.Status.ScopeVersion is { } version ? $"{s.Status.ApiName}, scope version {version}" : s.Status.ApiName);
        }
    }
}
