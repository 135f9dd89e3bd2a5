using Kaitiaki.Audit;

namespace Kaitiaki.Security;

/// <summary>A module or a single action that can be switched off, and what people see while it is.</summary>
internal sealed record KillSwitch(string Name, string Description, string Title, string Message, IReadOnlyList<AuditAction> Reads)
{
    /// <summary>The module a single action belongs to ("documents" for "documents.download"), or null for a module.</summary>
    public string? Module => Name.Contains('.', StringComparison.Ordinal) ? Name[..Name.IndexOf('.', StringComparison.Ordinal)] : null;
}

/// <summary>
/// The switches there are. An action is off when it, or its module, is off for everyone or for the practice of the
/// patient whose data it touches. Patients see calm words; everything not switched off keeps working.
/// </summary>
internal static class KillSwitches
{
    public static readonly IReadOnlyList<KillSwitch> All =
    [
        new("documents", "Everything to do with documents: lists, downloads and uploads.", "Documents are paused",
            "Documents are paused while we check something. Your documents are safe.",
            [AuditAction.DocumentListed, AuditAction.DocumentMetadataViewed, AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed]),
        new("documents.list", "Lists of documents and their details.", "Document lists are paused",
            "Document lists are paused while we check something. Your documents are safe.",
            [AuditAction.DocumentListed, AuditAction.DocumentMetadataViewed]),
        new("documents.download", "Downloading and opening documents.", "Downloads are paused",
            "Downloads are paused while we check something. Your documents are safe.",
            [AuditAction.DocumentDownloaded, AuditAction.DocumentPreviewed]),
        new("documents.upload", "Adding documents.", "Adding documents is paused",
            "Adding documents is paused while we check something. Documents already added are safe.", []),
        new("patients", "Practice patient lists and patient details.", "Patient lists are paused",
            "Patient lists are paused while we check something. Nothing has been lost.",
            [AuditAction.PatientListViewed, AuditAction.PatientDetailsViewed]),
        new("patients.list", "Practice patient lists.", "Patient lists are paused",
            "Patient lists are paused while we check something. Nothing has been lost.", [AuditAction.PatientListViewed]),
        new("access-log", "The log of who has looked at a patient's records.", "The access log is paused",
            "The access log is paused while we check something. Every access is still being recorded.", [AuditAction.AccessLogViewed]),
    ];

    private static readonly Dictionary<string, KillSwitch> ByName = All.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static KillSwitch? Find(string? name) => name is not null && ByName.TryGetValue(name.Trim().ToLowerInvariant(), out var found) ? found : null;

    /// <summary>The switches that stop a read: the single actions naming it, and their modules.</summary>
    public static IReadOnlyList<KillSwitch> Stopping(AuditAction action) => StoppingReads.TryGetValue(action, out var list) ? list : [];

    private static readonly Dictionary<AuditAction, IReadOnlyList<KillSwitch>> StoppingReads = All
        .SelectMany(s => s.Reads.Select(a => (Action: a, Switch: s)))
        .GroupBy(x => x.Action)
        .ToDictionary(g => g.Key, g => (IReadOnlyList<KillSwitch>)g.Select(x => x.Switch).ToList());

    /// <summary>A switch and the module above it, for an action that is not a read (an upload).</summary>
    public static IReadOnlyList<KillSwitch> WithModule(KillSwitch action) =>
        action.Module is { } module && Find(module) is { } parent ? [action, parent] : [action];

    /// <summary>The state key of a switch that is off: for everyone, or for one practice's patients.</summary>
    public static string Key(string name, Guid? practiceId) => practiceId is { } p ? $"switch:{name}@{p:N}" : $"switch:{name}";

    /// <summary>Set while at least one practice has the switch off, so a read asks about practices only then.</summary>
    public static string AnyPracticeKey(string name) => $"switch:{name}@any";
}
