using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kaitiaki.Bench.Portal;

// The portal's API answers, as far as the simulator reads them. Unknown fields are ignored, so the portal may add more.

internal sealed record LoginAnswer(Guid ChallengeId, List<string>? Methods);

internal sealed record MeAnswer(Guid AccountId, List<string>? Roles, Guid? PatientId, List<Guid>? PracticeIds);

internal sealed record DocumentItem(Guid Id, Guid PatientId);

internal sealed record PatientItem(Guid Id, Guid PracticeId);

internal sealed record CanaryAnswer(Guid PatientId, List<Guid> DocumentIds);

internal sealed record AlertAction(JsonElement Id, string? Kind, JsonElement Target, DateTime? AppliedAt, DateTime? UndoneAt);

internal sealed record SessionItem(Guid Id, string? IpAddress, bool Current);

/// <summary>
/// An alert from GET /api/v1/security/alerts. The principal is read as raw JSON and matched by its words, so an
/// account id, an e-mail address or a source address will be found whether it is a string or an object.
/// </summary>
internal sealed partial record AlertItem(JsonElement Id, string? Rule, string? Severity, JsonElement Principal, DateTime RaisedAt, List<AlertAction>? Actions)
{
    public bool HasActions => Actions is { Count: > 0 };

    /// <summary>When it was raised; a time the portal sends without a zone is UTC, as the portal stores every time.</summary>
    public DateTimeOffset RaisedAtUtc => new(RaisedAt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(RaisedAt, DateTimeKind.Utc) : RaisedAt.ToUniversalTime());

    /// <summary>
    /// Whether the alert's principal or one of its actions' targets is any of <paramref name="identifiers"/>. Give ids
    /// in every form the portal may write them, e.g. "N" and "D" for a Guid: principals read like account:0f8fad5b….
    /// </summary>
    public bool Names(params string[] identifiers)
    {
        var words = Words(Principal).Concat((Actions ?? []).SelectMany(a => Words(a.Target))).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return identifiers.Any(words.Contains);
    }

    private static IEnumerable<string> Words(JsonElement element) =>
        element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? [] : Separators().Split(element.ToString()).Where(w => w.Length > 0);

    [GeneratedRegex(@"[^\w.@-]+")]
    private static partial Regex Separators();
}
