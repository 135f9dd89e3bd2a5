namespace Kaitiaki.Security;

/// <summary>
/// The detector's rules, severities and actions in words, for the console and the alert e-mail. Ids only where a
/// target is named: never a person's name or anything from their records.
/// </summary>
internal static class AlertWords
{
    public static string Rule(string rule) => rule switch
    {
        "canary" => "Read a decoy patient's records",
        "bulk-listing" => "Many patients shown in lists",
        "bulk-patients" => "Many patients' records in a few minutes",
        "wide-reading" => "Many patients' records in an hour",
        "low-and-slow" => "Many patients' records over a working day",
        "address-many-patients" => "Many patients' records from one address",
        "bulk-documents" => "Many documents in a minute",
        "bulk-bytes" => "A large amount of documents in a short time",
        "probing" => "Asked again and again for records it may not see",
        "probing-share" => "Many of its requests refused",
        "credential-stuffing" => "Failed sign-ins for many accounts from one address",
        "credential-stuffing-network" => "Failed sign-ins for many accounts from one network",
        "session-moved" => "A session moved to another network or device",
        "helpline-burst" => "Many helpline look-ups in an hour",
        _ => rule,
    };

    /// <summary>"High", "Medium" or "Low": always shown as text, whatever colour goes with it.</summary>
    public static string Severity(string severity) => severity.ToLowerInvariant() switch
    {
        "high" => "High",
        "medium" => "Medium",
        "low" => "Low",
        _ => severity,
    };

    public static string SeverityTag(string severity) => severity.ToLowerInvariant() switch
    {
        "high" => "govuk-tag govuk-tag--red",
        "medium" => "govuk-tag govuk-tag--orange",
        _ => "govuk-tag govuk-tag--grey",
    };

    /// <summary>What an action did, like "Suspended the account" or "Switched off documents.download for one practice".</summary>
    public static string Action(ActionResponse action, Func<Guid, string>? practiceName = null) => action.Kind switch
    {
        "step-up" => "Asked the session for its second factor again",
        "throttle" => "Slowed the session down",
        "revoke-session" => "Ended the session",
        "suspend-account" => "Suspended the account",
        "block-source" => $"Blocked {action.Target}",
        "switch-off" when action.Target.Split("@practice:") is [var name, var practice] && Guid.TryParse(practice, out var id) =>
            $"Switched off {name} for {practiceName?.Invoke(id) ?? "one practice"}",
        "switch-off" => $"Switched off {action.Target} for everyone",
        _ => action.Kind,
    };

    /// <summary>"In force", "Undone" or "Lapsed".</summary>
    public static string State(ActionResponse action) => action.InForce ? "In force" : action.UndoneAt is not null ? "Undone" : "Lapsed";

    public static string StateTag(ActionResponse action) =>
        action.InForce ? "govuk-tag govuk-tag--blue" : "govuk-tag govuk-tag--grey";

    /// <summary>Who an alert is about, by kind and id: "account 3f2a9c1b", "address 203.0.113.7", "network 203.0.113.0/24".</summary>
    public static string Principal(string principal) => principal.Split(':', 2) switch
    {
        ["account", var id] => $"account {Short(id)}",
        ["session", var id] => $"session {Short(id)}",
        ["ip", var address] => $"address {address}",
        ["network", var network] => $"network {network}",
        _ => principal,
    };

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;
}
