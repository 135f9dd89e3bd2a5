namespace Kaitiaki.Incidents;

/// <summary>How the harm factors, agencies, disclosures and statuses read to people.</summary>
internal static class HarmWords
{
    public static string Name(HarmFactor factor) => factor switch
    {
        HarmFactor.ActionsTaken => "Action taken to reduce the risk of harm",
        HarmFactor.Sensitivity => "Whether the information is sensitive",
        HarmFactor.NatureOfHarm => "The nature of the harm that may be caused",
        HarmFactor.WhoHolds => "Who has obtained or may obtain the information",
        HarmFactor.SecurityProtection => "Whether a security measure protects the information",
        HarmFactor.OtherMatters => "Other relevant matters",
        _ => factor.ToString(),
    };

    public static string Name(Agency agency, string? otherName = null) => agency switch
    {
        Agency.HealthNz => "Health New Zealand",
        Agency.PrivacyCommissioner => "the Privacy Commissioner",
        Agency.Ncsc => "the National Cyber Security Centre",
        Agency.Police => "New Zealand Police",
        _ => string.IsNullOrWhiteSpace(otherName) ? "another agency" : otherName.Trim(),
    };

    public static HarmFactor? ParseFactor(string? text) => Squash(text) switch
    {
        "actionstaken" or "actions" => HarmFactor.ActionsTaken,
        "sensitivity" or "sensitive" => HarmFactor.Sensitivity,
        "natureofharm" or "harm" => HarmFactor.NatureOfHarm,
        "whoholds" or "holder" => HarmFactor.WhoHolds,
        "securityprotection" or "security" => HarmFactor.SecurityProtection,
        "othermatters" or "other" => HarmFactor.OtherMatters,
        _ => null,
    };

    public static Agency? ParseAgency(string? text) => Squash(text) switch
    {
        "healthnz" or "healthnewzealand" => Agency.HealthNz,
        "privacycommissioner" or "commissioner" or "opc" => Agency.PrivacyCommissioner,
        "ncsc" or "nationalcybersecuritycentre" => Agency.Ncsc,
        "police" or "newzealandpolice" => Agency.Police,
        "other" => Agency.Other,
        _ => null,
    };

    /// <summary>"content" or "metadata", as the API spells a disclosure.</summary>
    public static string Api(Disclosure disclosure) => disclosure == Disclosure.Content ? "content" : "metadata";

    /// <summary>What a disclosure means to the person whose document it was.</summary>
    public static string Plain(Disclosure disclosure) => disclosure == Disclosure.Content
        ? "The document itself was opened or downloaded"
        : "Only its details (title, date and size) were seen";

    private static string Squash(string? text) => new string((text ?? "").Where(char.IsLetter).ToArray()).ToLowerInvariant();
}
