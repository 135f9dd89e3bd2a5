using Kaitiaki.Practices;

namespace Kaitiaki.Accounts;

/// <summary>The role names of the product design, as the API and the demo accounts file spell them.</summary>
internal static class Roles
{
    public const string Patient = "Patient";
    public const string Proxy = "Proxy";
    public const string Clinician = "Clinician";
    public const string PracticeAdministrator = "Practice administrator";
    public const string PrivacyOfficer = "Privacy officer";
    public const string SupportAgent = "Support agent";
    public const string SecurityAnalyst = "Security analyst";
    public const string IncidentManager = "Incident manager";

    public static string Of(StaffRole role) => role switch
    {
        StaffRole.Clinician => Clinician,
        StaffRole.PracticeAdministrator => PracticeAdministrator,
        StaffRole.PrivacyOfficer => PrivacyOfficer,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string Of(OperatorRole role) => role switch
    {
        OperatorRole.SupportAgent => SupportAgent,
        OperatorRole.SecurityAnalyst => SecurityAnalyst,
        OperatorRole.IncidentManager => IncidentManager,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>Reads an operator role as a person would type it: "security-analyst", "Security analyst" or "SecurityAnalyst".</summary>
    public static OperatorRole? ParseOperatorRole(string? text)
    {
        var squashed = new string((text ?? "").Where(char.IsLetter).ToArray()).ToLowerInvariant();
        return squashed switch
        {
            "supportagent" => OperatorRole.SupportAgent,
            "securityanalyst" => OperatorRole.SecurityAnalyst,
            "incidentmanager" => OperatorRole.IncidentManager,
            _ => null,
        };
    }

    public static StaffRole? ParseStaffRole(string? text)
    {
        var squashed = new string((text ?? "").Where(char.IsLetter).ToArray()).ToLowerInvariant();
        return squashed switch
        {
            "clinician" => StaffRole.Clinician,
            "practiceadministrator" => StaffRole.PracticeAdministrator,
            "privacyofficer" => StaffRole.PrivacyOfficer,
            _ => null,
        };
    }
}
