using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices;

/// <summary>The capacities in which an account may act on a patient. The numbers are stable: never renumber.</summary>
internal enum AccessCapacity
{
    /// <summary>The patient's own account.</summary>
    Self = 1,

    /// <summary>A proxy with a live grant: not revoked, not expired.</summary>
    Proxy = 2,

    /// <summary>A clinician at a practice the patient is enrolled with today.</summary>
    Clinician = 3,

    /// <summary>A practice administrator or privacy officer at the patient's practice today: no clinical content.</summary>
    PracticeStaff = 4,

    /// <summary>An operator of the portal (support, security, incidents): no patient's record today.</summary>
    Operator = 5,
}

/// <summary>Someone an account acts for on the patient's side, as a page lists them: themselves first, then the people they act for.</summary>
internal sealed record PatientSidePerson(Guid Id, string Name, bool IsSelf);

/// <summary>One way an account may act on one patient. <see cref="ExpiresAt"/> is set for a proxy grant that lapses.</summary>
internal sealed record PatientCapacity(Guid PatientId, AccessCapacity Capacity, Guid? PracticeId, DateTime? ExpiresAt);

/// <summary>
/// The one rule for who may act on a patient, and in which capacity. Every feature builds its queries from these,
/// so the database does the filtering and there is no second copy of a condition to drift. The table of capacities is
/// docs/architecture.md section 3.3, and <c>PatientAccessTests</c> checks the rule against it.
/// </summary>
internal sealed class PatientAccess(KaitiakiDb db, TimeProvider clock)
{
    /// <summary>An enrolment that has not ended. The one statement of it: queries here and the audit ledger's practice stamp use it.</summary>
    public static readonly System.Linq.Expressions.Expression<Func<Enrolment, bool>> IsCurrentEnrolment = e => e.EndedOn == null;

    /// <summary>Current enrolments in any context, for code that has a context but no <see cref="PatientAccess"/>.</summary>
    internal static IQueryable<Enrolment> CurrentEnrolmentsOf(KaitiakiDb context) => context.Enrolments.Where(IsCurrentEnrolment);

    /// <summary>The self capacity: the patient whose own account this is, if any.</summary>
    public IQueryable<Guid> OwnPatientId(Guid accountId) =>
        db.Users.Where(a => a.Id == accountId && a.PatientId != null).Select(a => a.PatientId!.Value);

    public Task<Guid?> OwnPatientIdAsync(Guid accountId, CancellationToken cancellationToken) =>
        OwnPatientId(accountId).Select(id => (Guid?)id).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Live proxy grants of every account: not revoked, and without an expiry or expiring later than now.</summary>
    public IQueryable<ProxyGrant> LiveGrants()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.ProxyGrants.Where(g => g.RevokedAt == null && (g.ExpiresAt == null || g.ExpiresAt > now));
    }

    /// <summary>Current staff memberships of every account, at any practice and in any role.</summary>
    public IQueryable<StaffMembership> CurrentMemberships() => db.StaffMemberships.Where(m => m.EndedAt == null);

    /// <summary>Current staff memberships of every account in one of these roles, at any practice.</summary>
    public IQueryable<StaffMembership> CurrentMemberships(params StaffRole[] roles) => CurrentMemberships().Where(m => roles.Contains(m.Role));

    /// <summary>Enrolments that have not ended, of every patient.</summary>
    public IQueryable<Enrolment> CurrentEnrolments() => db.Enrolments.Where(IsCurrentEnrolment);

    /// <summary>
    /// Current enrolments at practices where the account works as a clinician today: the clinician capacity, one row
    /// per patient and practice.
    /// </summary>
    public IQueryable<Enrolment> ClinicianEnrolments(Guid accountId) => StaffEnrolments(accountId, StaffRole.Clinician);

    /// <summary>
    /// Current enrolments at practices where the account works today in one of <paramref name="roles"/>: a practice's
    /// panel as its staff see it. A clinician's panel opens records; other roles see who is enrolled, never clinical content.
    /// </summary>
    public IQueryable<Enrolment> StaffEnrolments(Guid accountId, params StaffRole[] roles)
    {
        var memberships = CurrentMemberships(roles).Where(m => m.AccountId == accountId);
        return CurrentEnrolments().Where(e => memberships.Any(m => m.PracticeId == e.PracticeId));
    }

    /// <summary>The roles that see a practice's patient list (who is enrolled): clinicians and practice administrators, not privacy officers.</summary>
    public static readonly StaffRole[] PatientListRoles = [StaffRole.Clinician, StaffRole.PracticeAdministrator];

    /// <summary>
    /// Current enrolments at practices where the account may see the patient list today: the one rule for every list of
    /// a practice's patients: the <c>/practice/patients</c> page and <c>GET /api/v1/patients</c>.
    /// </summary>
    public IQueryable<Enrolment> PatientListEnrolments(Guid accountId) => StaffEnrolments(accountId, PatientListRoles);

    /// <summary>The roles that review a practice's patients in a breach incident: privacy officers and practice administrators.</summary>
    public static readonly StaffRole[] IncidentReviewRoles = [StaffRole.PrivacyOfficer, StaffRole.PracticeAdministrator];

    /// <summary>
    /// The practices whose breach lists the account may review today: where it is privacy officer or administrator,
    /// including a practice that has left the portal. The one rule for every page and endpoint of a practice's review.
    /// </summary>
    public IQueryable<Guid> IncidentReviewPracticeIds(Guid accountId) =>
        CurrentMemberships(IncidentReviewRoles).Where(m => m.AccountId == accountId).Select(m => m.PracticeId);

    /// <summary>Patients the account acts for on the patient's side: itself, and anyone it holds a live grant for.</summary>
    public IQueryable<Guid> PatientSideIds(Guid accountId)
    {
        var grants = LiveGrants().Where(g => g.ProxyAccountId == accountId);
        var own = OwnPatientId(accountId);
        return db.Patients
            .Where(p => own.Any(id => id == p.Id) || grants.Any(g => g.PatientId == p.Id))
            .Select(p => p.Id);
    }

    /// <summary>The people of <see cref="PatientSideIds"/> by name, the account's own patient first.</summary>
    public Task<List<PatientSidePerson>> PatientSidePeopleAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var readable = PatientSideIds(accountId);
        var own = OwnPatientId(accountId);
        return db.Patients.Where(p => readable.Contains(p.Id))
            .Select(p => new { p.Id, Name = p.GivenName + " " + p.FamilyName, IsSelf = own.Any(id => id == p.Id) })
            .OrderBy(p => p.IsSelf ? 0 : 1).ThenBy(p => p.Name)
            .Select(p => new PatientSidePerson(p.Id, p.Name, p.IsSelf))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Patients whose record the account may read: self, proxy or clinician. Compose it; never list it first.</summary>
    public IQueryable<Guid> ReadablePatientIds(Guid accountId)
    {
        var grants = LiveGrants().Where(g => g.ProxyAccountId == accountId);
        var enrolments = ClinicianEnrolments(accountId);
        var own = OwnPatientId(accountId);
        return db.Patients
            .Where(p => own.Any(id => id == p.Id)
                        || grants.Any(g => g.PatientId == p.Id)
                        || enrolments.Any(e => e.PatientId == p.Id))
            .Select(p => p.Id);
    }

    /// <summary>Every capacity the account holds towards <paramref name="patientId"/>, from the same conditions as the queries above.</summary>
    public async Task<List<PatientCapacity>> CapacitiesAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken)
    {
        var found = new List<PatientCapacity>();
        if (await OwnPatientId(accountId).AnyAsync(id => id == patientId, cancellationToken))
        {
            found.Add(new PatientCapacity(patientId, AccessCapacity.Self, null, null));
        }
        found.AddRange((await LiveGrants().Where(g => g.ProxyAccountId == accountId && g.PatientId == patientId)
                .Select(g => g.ExpiresAt).ToListAsync(cancellationToken))
            .Select(expiry => new PatientCapacity(patientId, AccessCapacity.Proxy, null, expiry)));
        found.AddRange((await ClinicianEnrolments(accountId).Where(e => e.PatientId == patientId)
                .Select(e => e.PracticeId).ToListAsync(cancellationToken))
            .Select(practice => new PatientCapacity(patientId, AccessCapacity.Clinician, practice, null)));
        var staff = CurrentMemberships(StaffRole.PracticeAdministrator, StaffRole.PrivacyOfficer).Where(m => m.AccountId == accountId);
        found.AddRange((await CurrentEnrolments().Where(e => e.PatientId == patientId && staff.Any(m => m.PracticeId == e.PracticeId))
                .Select(e => e.PracticeId).ToListAsync(cancellationToken))
            .Select(practice => new PatientCapacity(patientId, AccessCapacity.PracticeStaff, practice, null)));
        return found;
    }

    /// <summary>The practice a clinician acts for this patient through, or null when they are not the patient's clinician.</summary>
    public Task<Guid?> ClinicianPracticeAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken) =>
        ClinicianEnrolments(accountId).Where(e => e.PatientId == patientId).Select(e => (Guid?)e.PracticeId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Is the account this patient, or their proxy with a live grant (rather than practice staff)?</summary>
    public Task<bool> IsPatientSideAsync(Guid accountId, Guid patientId, CancellationToken cancellationToken) =>
        PatientSideIds(accountId).AnyAsync(id => id == patientId, cancellationToken);

    /// <summary>When this account's rights may lapse by themselves: the earliest expiry among its live proxy grants.</summary>
    public Task<DateTime?> NextGrantExpiryAsync(Guid accountId, CancellationToken cancellationToken) =>
        LiveGrants().Where(g => g.ProxyAccountId == accountId && g.ExpiresAt != null).MinAsync(g => g.ExpiresAt, cancellationToken);

    /// <summary>The practice each patient is enrolled with today, if any: what an audit event records as the patient's practice.</summary>
    public Task<Guid?> CurrentPracticeAsync(Guid patientId, CancellationToken cancellationToken) =>
        CurrentEnrolments().Where(e => e.PatientId == patientId).Select(e => (Guid?)e.PracticeId).FirstOrDefaultAsync(cancellationToken);
}
