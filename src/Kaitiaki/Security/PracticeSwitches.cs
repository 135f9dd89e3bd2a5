using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>
/// Answers whether a switch stops something for a given patient: off for everyone, or off for a practice the patient
/// is enrolled with now. The practices are looked up only while some practice has that switch off.
/// </summary>
internal sealed class PracticeSwitches(IDetectionState state, IServiceScopeFactory scopes, TimeProvider clock)
{
    /// <summary>The refusal for a read of this patient's data while one of its switches is off; null when none is.</summary>
    public async ValueTask<GuardRefusal?> StoppingAsync(AuditAction action, Guid patientId, CancellationToken cancellationToken)
    {
        var candidates = KillSwitches.Stopping(action);
        return candidates.Count == 0 ? null : await FirstOffAsync(candidates, patientId, cancellationToken);
    }

    /// <summary>The refusal for adding a document for this patient while uploads (or documents) are off; null when they are on.</summary>
    public ValueTask<GuardRefusal?> StoppingUploadAsync(Guid patientId, CancellationToken cancellationToken) =>
        FirstOffAsync(KillSwitches.WithModule(KillSwitches.Find("documents.upload")!), patientId, cancellationToken);

    /// <summary>Whether a switch (or its module) is off for everyone or for this patient's practice: for a page to say so up front.</summary>
    public async ValueTask<KillSwitch?> OffForAsync(string name, Guid? patientId, CancellationToken cancellationToken)
    {
        var candidates = KillSwitches.WithModule(KillSwitches.Find(name) ?? throw new ArgumentException($"No switch is called {name}.", nameof(name)));
        var refusal = patientId is { } p ? await FirstOffAsync(candidates, p, cancellationToken) : await GlobalOffAsync(candidates);
        return refusal is null ? null : candidates.First(s => s.Title == refusal.Title);
    }

    private async ValueTask<GuardRefusal?> GlobalOffAsync(IReadOnlyList<KillSwitch> candidates)
    {
        var now = clock.GetUtcNow();
        var index = await state.FirstSetAsync(candidates.Select(s => KillSwitches.Key(s.Name, null)).ToList(), now);
        return index >= 0 ? Refusal(candidates[index]) : null;
    }

    private async ValueTask<GuardRefusal?> FirstOffAsync(IReadOnlyList<KillSwitch> candidates, Guid patientId, CancellationToken cancellationToken)
    {
        if (await GlobalOffAsync(candidates) is { } everyone)
        {
            return everyone;
        }
        var now = clock.GetUtcNow();
        var anyPractice = await state.FirstSetAsync(candidates.Select(s => KillSwitches.AnyPracticeKey(s.Name)).ToList(), now);
        if (anyPractice < 0)
        {
            return null;
        }
        List<Guid> practices;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KaitiakiDb>();
            practices = await db.Enrolments.AsNoTracking().Where(e => e.PatientId == patientId && e.EndedOn == null)
                .Select(e => e.PracticeId).ToListAsync(cancellationToken);
        }
        foreach (var candidate in candidates)
        {
            if (practices.Count > 0 && await state.FirstSetAsync(practices.Select(p => KillSwitches.Key(candidate.Name, p)).ToList(), now) >= 0)
            {
                return Refusal(candidate);
            }
        }
        return null;
    }

    private static GuardRefusal Refusal(KillSwitch off) => new($"switched off: {off.Name}", StatusCodes.Status503ServiceUnavailable, off.Title, off.Message);
}
