using System.Globalization;
using System.Text;
using Kaitiaki.Web;

namespace Kaitiaki.Incidents;

/// <summary>
/// A practice's slice of a scope version as CSV (RFC 4180: every cell quoted, CRLF line ends, UTF-8 with a byte-order
/// mark so spreadsheets read macrons). Names and flag reasons are typed by people, so a cell that a spreadsheet would
/// read as a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe and stays text.
/// </summary>
internal static class PracticeCsv
{
    private static readonly string[] Header =
    [
        "Scope version", "NHI", "Name", "Date of birth", "What was seen", "Documents", "Enrolled with you at the time of access",
        "Enrolled with you now", "First accessed (NZ time)", "Flagged for clinician-led contact", "Flag reason",
    ];

    /// <summary>The download's name: which incident and which version, in characters every system keeps.</summary>
    public static string FileName(Incident incident, int version) =>
        $"kaitiaki-incident-{NzTime.From(incident.AwareAt):yyyy-MM-dd}-{incident.Id.ToString("N")[..8]}-version-{version}.csv";

    public static byte[] Write(ScopePatientPage list, Guid practiceId)
    {
        var text = new StringBuilder();
        Line(text, Header);
        var version = Pages.ReviewText.VersionName(list.Version, list.Frozen);
        foreach (var p in list.Patients)
        {
            Line(text,
            [
                version, p.Nhi, p.Name, p.DateOfBirth.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Pages.ReviewText.Disclosure(p.Disclosure),
                p.DocumentIds.Count.ToString(CultureInfo.InvariantCulture),
                p.PracticeIdsAtAccess.Contains(practiceId) ? "Yes" : "No",
                p.PracticeIdsNow.Contains(practiceId) ? "Yes" : "No",
                NzTime.DateAndTime(p.FirstAccessedAt),
                p.Flagged ? "Yes" : "No",
                p.FlagReason ?? "",
            ]);
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>One cell, quoted, with a formula made harmless.</summary>
    public static string Cell(string value) => "\"" + Defused(value).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The value with a leading apostrophe when a spreadsheet would read it as a formula (it starts with = + - @, a tab or a
    /// carriage return), so it stays text. Every CSV the portal writes passes its cells through here.
    /// </summary>
    public static string Defused(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static void Line(StringBuilder text, IEnumerable<string> cells) => text.Append(string.Join(',', cells.Select(Cell))).Append("\r\n");
}
