using System.Globalization;

namespace Kaitiaki.Incidents;

/// <summary>
/// A scope version's patients as CSV for the command line's export, one row each, every row naming its version and
/// giving ids rather than the practice's words (<see cref="PracticeCsv"/>). Cells are quoted when they need it.
/// </summary>
internal static class ScopeCsv
{
    public const string Header = "scope_version,patient_id,nhi,name,date_of_birth,disclosure,documents,practice_ids_at_access,practice_ids_now,first_accessed_utc,flagged,flag_reason";

    public static string Row(int version, ScopePatientRow row) => string.Join(',',
        version.ToString(CultureInfo.InvariantCulture),
        row.PatientId.ToString(),
        Cell(row.Nhi),
        Cell(row.Name),
        row.DateOfBirth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        HarmWords.Api(row.Disclosure),
        row.DocumentIds.Count.ToString(CultureInfo.InvariantCulture),
        Cell(string.Join(' ', row.PracticeIdsAtAccess)),
        Cell(string.Join(' ', row.PracticeIdsNow)),
        Web.NzTime.Iso(row.FirstAccessedAt),
        row.Flagged ? "yes" : "no",
        Cell(row.FlagReason ?? ""));

    /// <summary>A cell quoted only when it needs to be, with a formula made harmless (<see cref="PracticeCsv.Defused"/>).</summary>
    public static string Cell(string value)
    {
        value = PracticeCsv.Defused(value);
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
