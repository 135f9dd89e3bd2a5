using System.Text.Json;
using Kaitiaki.Practices;

namespace Kaitiaki.Demo;

/// <summary>
/// How big a scale data set is, and its attack: one account lists every victim's documents and downloads most of them
/// (<see cref="ContentReads"/> in all), lists and reads a few decoys, and tries some ids it may not read.
/// </summary>
internal sealed record ScaleShape(
    int Practices, int LeftPractices, int Patients, int Documents, long AuditEvents, int Victims, int ContentReads, int Decoys, int DeniedProbes, int Seed)
{
    /// <summary>Each victim (and decoy) holds this many documents; the attacker downloads four or five of them.</summary>
    public const int DocumentsPerVictim = 5;

    /// <summary>ManageMyHealth's scale, and its December 2025 attack (about 428,000 documents of about 100,000 patients).</summary>
    public static ScaleShape ManageMyHealth => new(300, 6, 1_800_000, 2_500_000, 20_000_000, 100_000, 428_000, 20, 2_000, 2025);

    /// <summary>The attacker's events: a list per victim and decoy, the downloads, the decoys' documents and the refused probes.</summary>
    public long AttackEvents => Victims + Decoys + ContentReads + (long)Decoys * DocumentsPerVictim + DeniedProbes;

    public string? Problem() =>
        Practices < 2 || LeftPractices < 0 || LeftPractices >= Practices ? "There must be at least two practices, and fewer that left than there are."
        : Victims < 1 || Decoys < 0 || Patients < Victims + Decoys + 1 ? "There must be more patients than victims and decoys, and at least one victim."
        : ContentReads < 4L * Victims || ContentReads > 5L * Victims ? $"Content reads must be 4 to 5 times the victims ({4L * Victims} to {5L * Victims})."
        : Documents < (long)(Victims + Decoys) * DocumentsPerVictim ? $"There must be at least {(long)(Victims + Decoys) * DocumentsPerVictim} documents."
        : AuditEvents < AttackEvents + Patients / 10 ? $"There must be at least {AttackEvents + Patients / 10} audit events."
        : null;
}

/// <summary>What a scale data set holds, and what a scope of its attack must find: written beside it as bench-data.json.</summary>
internal sealed record ScaleSummary(
    ScaleShape Shape, string Provider, Guid AttackerAccountId, string IncidentManagerEmail, DateTime AttackFrom, DateTime AttackTo, long Events,
    int ExpectedPatients, int ExpectedContentDocuments, int ExpectedMetadataDocuments, int ExpectedPractices, long ExpectedPracticeRows,
    double Seconds, long PeakWorkingSetBytes)
{
    public const string FileName = "bench-data.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>
/// The Z range of test NHIs, enough for 1.9 million people: every new-format number (ZAA00A plus its check letter, which
/// always exists), then every old-format one whose stem has a check digit.
/// </summary>
internal static class ScaleNhis
{
    private const string Letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";

    private static int Value(char letter) => Nhi.LetterValue(letter)!.Value;

    public static IEnumerable<string> All()
    {
        foreach (var second in Letters)
        {
            foreach (var third in Letters)
            {
                for (var digits = 0; digits < 100; digits++)
                {
                    foreach (var fifth in Letters)
                    {
                        // The check letter is the one whose value is 23 less the weighted sum modulo 23 (HISO 10046).
                        var sum = Value('Z') * 7 + Value(second) * 6 + Value(third) * 5 + digits / 10 * 4 + digits % 10 * 3 + Value(fifth) * 2;
                        var check = Letters[23 - sum % 23 - 1];
                        yield return $"Z{second}{third}{digits:D2}{fifth}{check}";
                    }
                }
            }
        }
        foreach (var second in Letters)
        {
            foreach (var third in Letters)
            {
                for (var digits = 0; digits < 1000; digits++)
                {
                    if (Nhi.CompleteOldFormat($"Z{second}{third}", digits) is { } nhi)
                    {
                        yield return nhi;
                    }
                }
            }
        }
    }
}
