using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Practices;

internal sealed record StaffPractice(Guid PracticeId, string Name, PracticeStatus Status, DateOnly? LeftOn, IReadOnlyList<StaffRole> Roles);

/// <summary>Which practices a staff member works at today, and in which roles. Pages ask here before acting for a practice.</summary>
internal sealed class StaffAccess(KaitiakiDb db, PatientAccess access)
{
    public async Task<List<StaffPractice>> PracticesAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var rows = await access.CurrentMemberships().AsNoTracking()
            .Where(m => m.AccountId == accountId)
            .Join(db.Practices, m => m.PracticeId, p => p.Id, (m, p) => new { p.Id, p.Name, p.Status, p.LeftOn, m.Role })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.Id)
            .Select(g => new StaffPractice(g.Key, g.First().Name, g.First().Status, g.First().LeftOn, g.Select(r => r.Role).Distinct().Order().ToList()))
            .OrderBy(p => p.Name)
            .ToList();
    }

    /// <summary>The practices still on the portal where the account holds one of <paramref name="roles"/> today.</summary>
    public async Task<List<StaffPractice>> ActivePracticesWithAsync(Guid accountId, IReadOnlyCollection<StaffRole> roles, CancellationToken cancellationToken) =>
        (await PracticesAsync(accountId, cancellationToken)).Where(p => p.Status == PracticeStatus.Active && p.Roles.Any(roles.Contains)).ToList();

    public Task<bool> HasRoleAsync(Guid accountId, Guid practiceId, IReadOnlyCollection<StaffRole> roles, CancellationToken cancellationToken) =>
        access.CurrentMemberships().AnyAsync(m => m.AccountId == accountId && m.PracticeId == practiceId && roles.Contains(m.Role), cancellationToken);
}
