using System.Globalization;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Audit;

/// <summary>What the security team typed into the trail's search form, exactly as it arrived.</summary>
internal sealed record AuditTrailInput(string? Action, string? Actor, string? Patient, string? From, string? To, string? Outcome);

/// <summary>
/// The search, resolved: e-mail addresses and NHIs are already account and patient ids, and New Zealand dates are UTC
/// instants (<see cref="FromUtc"/> inclusive, <see cref="ToUtc"/> exclusive).
/// </summary>
internal sealed record AuditTrailFilter(
    AuditAction? Action, Guid? ActorAccountId, Guid? PatientId, DateOnly? From, DateOnly? To, AuditOutcome? Outcome)
{
    public DateTime? FromUtc => From is { } from ? NzTime.StartOfDay(from) : null;
    public DateTime? ToUtc => To is { } to ? NzTime.StartOfDay(to.AddDays(1)) : null;

    /// <summary>
    /// The filters for the audit event that records the search: ids and dates only, so an e-mail address or an NHI that was
    /// typed never reaches the trail.
    /// </summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Action is { } action) { parts.Add($"action={action}"); }
        if (ActorAccountId is { } actor) { parts.Add($"actor={actor:N}"); }
        if (PatientId is { } patient) { parts.Add($"patient={patient:N}"); }
        if (From is { } from) { parts.Add($"from={from:yyyy-MM-dd}"); }
        if (To is { } to) { parts.Add($"to={to:yyyy-MM-dd}"); }
        if (Outcome is { } outcome) { parts.Add($"outcome={outcome}"); }
        return parts.Count == 0 ? "no filters" : string.Join("; ", parts);
    }
}

/// <summary>One event as the trail page shows it, with the actor's name and the patient's NHI looked up.</summary>
internal sealed record AuditTrailRow(
    long Sequence, DateTime OccurredAt, AuditAction Action, AuditOutcome Outcome, Guid? ActorAccountId, string? ActorName, string? ActorRole,
    string? Client, string? UserAgent, string? IpAddress, Guid? PatientId, string? PatientNhi, string? ResourceType, Guid? ResourceId, string? Detail);

/// <summary>
/// A page of events, newest first. <see cref="OlderThan"/> and <see cref="NewerThan"/> are the sequence numbers to page
/// on from, when there is anything further that way.
/// </summary>
internal sealed record AuditTrailPage(IReadOnlyList<AuditTrailRow> Events, long? OlderThan, long? NewerThan);

/// <summary>
/// The audit trail for the security team: filters that narrow it, and pages by sequence number.
/// Pages are keyset, not offset: the trail grows while someone reads it, and an offset would shift every page by the
/// events added meanwhile, showing some twice and skipping others; "older than sequence N" stays put, and it reads the
/// sequence index straight from N however deep the page.
/// </summary>
internal sealed class AuditTrailSearch(KaitiakiDb db, ILookupNormalizer normalizer)
{
    public const int PageSize = 50;

    private static readonly string[] DateFormats = ["d/M/yyyy", "yyyy-MM-dd"];

    /// <summary>Turns the form into a filter, or says what to fix. Nothing is searched when a filter cannot be understood.</summary>
    public async Task<(AuditTrailFilter? Filter, Problem? Problem)> ResolveAsync(AuditTrailInput input, CancellationToken cancellationToken)
    {
        AuditAction? action = null;
        if (Present(input.Action) is { } actionText)
        {
            if (!Enum.TryParse<AuditAction>(actionText, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(actionText, out _))
            {
                return (null, new Problem("Choose an action from the list.", "action"));
            }
            action = parsed;
        }

        Guid? actor = null;
        if (Present(input.Actor) is { } actorText)
        {
            actor = await FindAccountAsync(actorText, cancellationToken);
            if (actor is null)
            {
                return (null, actorText.Contains('@', StringComparison.Ordinal)
                    ? new Problem("No account has that e-mail address. Check the spelling, or search by account id.", "actor")
                    : new Problem("Enter the actor's e-mail address or their full account id.", "actor"));
            }
        }

        Guid? patient = null;
        if (Present(input.Patient) is { } nhiText)
        {
            if (Nhi.Validate(nhiText) is { } reason)
            {
                return (null, new Problem(reason, "patient"));
            }
            var nhi = Nhi.Normalise(nhiText);
            patient = await db.Patients.AsNoTracking().Where(p => p.Nhi == nhi).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(cancellationToken);
            if (patient is null)
            {
                return (null, new Problem("No patient has that NHI number.", "patient"));
            }
        }

        if (ParseDate(input.From, out var from) is false)
        {
            return (null, new Problem("Enter the 'from' date as a real date, like 27/3/2026.", "from"));
        }
        if (ParseDate(input.To, out var to) is false)
        {
            return (null, new Problem("Enter the 'to' date as a real date, like 27/3/2026.", "to"));
        }
        if (from > to)
        {
            return (null, new Problem("The 'from' date must be on or before the 'to' date.", "from"));
        }

        AuditOutcome? outcome = null;
        if (Present(input.Outcome) is { } outcomeText)
        {
            if (!Enum.TryParse<AuditOutcome>(outcomeText, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(outcomeText, out _))
            {
                return (null, new Problem("Choose an outcome from the list.", "outcome"));
            }
            outcome = parsed;
        }

        return (new AuditTrailFilter(action, actor, patient, from, to, outcome), null);
    }

    /// <summary>
    /// One page of the events that match, newest first: the newest of all when neither bound is given, otherwise the page
    /// just older than <paramref name="olderThan"/> or just newer than <paramref name="newerThan"/>.
    /// </summary>
    public async Task<AuditTrailPage> PageAsync(AuditTrailFilter filter, long? olderThan, long? newerThan, CancellationToken cancellationToken)
    {
        var matching = Matching(filter);
        List<AuditEvent> events;
        bool moreOlder, moreNewer;
        if (newerThan is { } after)
        {
            events = await matching.Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(PageSize + 1).ToListAsync(cancellationToken);
            moreNewer = events.Count > PageSize;
            events = [.. events.Take(PageSize).Reverse()];
            moreOlder = await matching.AnyAsync(e => e.Sequence <= after, cancellationToken);
        }
        else
        {
            var query = olderThan is { } before ? matching.Where(e => e.Sequence < before) : matching;
            events = await query.OrderByDescending(e => e.Sequence).Take(PageSize + 1).ToListAsync(cancellationToken);
            moreOlder = events.Count > PageSize;
            events = [.. events.Take(PageSize)];
            moreNewer = olderThan is { } bound && await matching.AnyAsync(e => e.Sequence >= bound, cancellationToken);
        }

        var actorIds = events.Where(e => e.ActorAccountId != null).Select(e => e.ActorAccountId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(a => actorIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.DisplayName, cancellationToken);
        var patientIds = events.Where(e => e.PatientId != null).Select(e => e.PatientId!.Value).Distinct().ToList();
        var nhis = await db.Patients.AsNoTracking().Where(p => patientIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Nhi, cancellationToken);

        var rows = events.Select(e => new AuditTrailRow(
            e.Sequence, e.OccurredAt, e.Action, e.Outcome, e.ActorAccountId,
            e.ActorAccountId is { } a && names.TryGetValue(a, out var name) ? name : null,
            e.ActorRole, e.Client, e.UserAgent, e.IpAddress, e.PatientId,
            e.PatientId is { } p && nhis.TryGetValue(p, out var nhi) ? nhi : null,
            e.ResourceType, e.ResourceId, e.Detail)).ToList();
        return new AuditTrailPage(rows,
            moreOlder && rows.Count > 0 ? rows[^1].Sequence : null,
            moreNewer && rows.Count > 0 ? rows[0].Sequence : null);
    }

    private IQueryable<AuditEvent> Matching(AuditTrailFilter filter)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (filter.Action is { } action) { query = query.Where(e => e.Action == action); }
        if (filter.ActorAccountId is { } actor) { query = query.Where(e => e.ActorAccountId == actor); }
        if (filter.PatientId is { } patient) { query = query.Where(e => e.PatientId == patient); }
        if (filter.FromUtc is { } from) { query = query.Where(e => e.OccurredAt >= from); }
        if (filter.ToUtc is { } to) { query = query.Where(e => e.OccurredAt < to); }
        if (filter.Outcome is { } outcome) { query = query.Where(e => e.Outcome == outcome); }
        return query;
    }

    private async Task<Guid?> FindAccountAsync(string text, CancellationToken cancellationToken)
    {
        if (text.Contains('@', StringComparison.Ordinal))
        {
            var normalised = normalizer.NormalizeEmail(text);
            return await db.Users.AsNoTracking().Where(a => a.NormalizedEmail == normalised).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(cancellationToken);
        }
        if (!Guid.TryParse(text, out var id))
        {
            return null;
        }
        return await db.Users.AsNoTracking().AnyAsync(a => a.Id == id, cancellationToken) ? id : null;
    }

    private static string? Present(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Null when nothing was typed, false when what was typed is not a real date.</summary>
    private static bool? ParseDate(string? text, out DateOnly? date)
    {
        date = null;
        if (Present(text) is not { } value)
        {
            return null;
        }
        if (!DateOnly.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }
        date = parsed;
        return true;
    }
}
