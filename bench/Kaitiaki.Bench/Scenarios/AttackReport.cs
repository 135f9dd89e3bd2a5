using System.Text.Json.Serialization;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// The one JSON line an attack prints. The first six fields are always there (null when there is nothing to say,
/// e.g. no containment); the rest appear when the scenario has something to report.
/// </summary>
internal sealed class AttackReport
{
    public required string Scenario { get; init; }
    public int DocumentsRead { get; set; }
    public int ForeignDocumentsRead { get; set; }
    public int RequestsBeforeContainment { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? SecondsToContainment { get; set; }

    public bool Contained { get; set; }

    /// <summary>The status of the first containment: 401, 403, 429 or 503.</summary>
    public int? ContainedWith { get; set; }

    public int? Requests { get; set; }
    public int? DocumentsReadAfterContainment { get; set; }
    public int? Denials { get; set; }
    public int? AccountsCompromised { get; set; }
    public int? SignInAttempts { get; set; }

    /// <summary>Distinct e-mail and password pairs the portal answered (a rate-limited try is tried again).</summary>
    public int? CredentialsTried { get; set; }

    public int? PasswordsAccepted { get; set; }
    public int? RateLimited { get; set; }
    public double? SecondsToFirstRateLimit { get; set; }
    public int? Blocked { get; set; }
    public int? PatientsTouched { get; set; }
    public double? SimulatedMinutes { get; set; }
    public double? SimulatedMinutesToContainment { get; set; }
    public bool? AlertRaised { get; set; }
    public IReadOnlyList<string>? AlertRules { get; set; }
    public double? SimulatedMinutesToAlert { get; set; }
    public double? SecondsToAlert { get; set; }

    /// <summary>"absent" when the portal has no GET /api/v1/security/alerts yet (it answered 404).</summary>
    public string? AlertsApi { get; set; }

    /// <summary>Statuses of the answers that matter to the scenario, by name, e.g. the stolen token's own reads.</summary>
    public IReadOnlyDictionary<string, int>? Statuses { get; set; }

    public string? Note { get; set; }

    public void TakeFrom(ContainmentWatch watch)
    {
        Contained = watch.Contained;
        ContainedWith = watch.ContainedWith;
        SecondsToContainment = watch.SecondsToContainment;
        RequestsBeforeContainment = watch.RequestsBeforeContainment;
        Requests = watch.Requests;
    }
}
