using System.Globalization;
using System.Text;

namespace Kaitiaki.Web;

/// <summary>The kinds of character a one-line field people type must not hold.</summary>
internal enum HiddenCharacter
{
    None,

    /// <summary>CR, LF, vertical tab, form feed, next line (U+0085), line and paragraph separators (U+2028, U+2029).</summary>
    LineBreak,

    /// <summary>Any other C0 control (tab included), DEL, C1 controls, or half of a broken surrogate pair.</summary>
    Control,

    /// <summary>Bidirectional controls: they can make "invoice‮fdp.exe" read as "invoiceexe.pdf".</summary>
    DirectionControl,

    /// <summary>Zero-width and other invisible format characters that make two texts look alike.</summary>
    Invisible,
}

/// <summary>
/// The one rule for text people type into a one-line field (titles, names): no control, direction or invisible
/// characters, which can disguise what a title or name says. Fields a person typed and can correct are refused with
/// <see cref="Describe"/>; text that came from their device, such as a file name, is put through <see cref="Strip"/>.
/// Nothing here is about letters: Māori macrons, every script and emoji pass.
/// </summary>
/// <remarks>
/// Zero-width joiner (U+200D) and non-joiner (U+200C) are allowed between two visible characters, because they are part
/// of ordinary writing there: emoji such as 👩🏽‍⚕️ are joined with ZWJ, Persian and Indic scripts need both to spell
/// words correctly. At the start or end of the text, or beside a space or another invisible character, they disguise
/// nothing anyone means to write, so they are refused. Tag characters (U+E0020–U+E007F) are allowed only where they
/// spell a flag after 🏴 (England, Scotland, Wales); anywhere else they are invisible text.
/// </remarks>
internal static class PlainText
{
    public static HiddenCharacter Find(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return HiddenCharacter.None;
        }
        var previous = (Rune?)null;
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var length) != System.Buffers.OperationStatus.Done)
            {
                return HiddenCharacter.Control;
            }
            var next = i + length < text.Length && Rune.DecodeFromUtf16(text.AsSpan(i + length), out var after, out _) == System.Buffers.OperationStatus.Done
                ? after
                : (Rune?)null;
            var kind = Classify(rune, previous, next);
            if (kind != HiddenCharacter.None)
            {
                return kind;
            }
            previous = rune;
            i += length;
        }
        return HiddenCharacter.None;
    }

    /// <summary>The text without any character <see cref="Find"/> would refuse, in Unicode normal form C.</summary>
    public static string Strip(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var kept = new StringBuilder(text.Length);
        var previous = (Rune?)null;
        // Enumerating replaces half of a broken surrogate pair with U+FFFD, which is dropped with the rest.
        var runes = text.EnumerateRunes().ToList();
        for (var i = 0; i < runes.Count; i++)
        {
            var rune = runes[i];
            var next = i + 1 < runes.Count ? runes[i + 1] : (Rune?)null;
            if (rune != Rune.ReplacementChar && Classify(rune, previous, next) == HiddenCharacter.None)
            {
                kept.Append(rune.ToString());
                previous = rune;
            }
        }
        return kept.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// Words for the person, naming the field and what is wrong with it, e.g. <c>Describe(kind, "The title")</c>.
    /// They never repeat the text itself, so they are safe to log.
    /// </summary>
    public static string Describe(HiddenCharacter kind, string field) => kind switch
    {
        HiddenCharacter.LineBreak => $"{field} has a line break in it. Please put it all on one line.",
        HiddenCharacter.Control => $"{field} has a hidden control character in it, often left over from copying and pasting. Please type it again.",
        HiddenCharacter.DirectionControl =>
            $"{field} has a hidden character that changes the direction of the text, so it could read as something it isn't. Please type it again without it.",
        HiddenCharacter.Invisible => $"{field} has an invisible character in it, such as a zero-width space. Please type it again without it.",
        _ => "",
    };

    /// <summary>The words for the first hidden character in the text, or null when there is none.</summary>
    public static string? Problem(string? text, string field) =>
        Find(text) is var kind and not HiddenCharacter.None ? Describe(kind, field) : null;

    private static HiddenCharacter Classify(Rune rune, Rune? previous, Rune? next)
    {
        var value = rune.Value;
        switch (value)
        {
            case 0x0A or 0x0D or 0x0B or 0x0C or 0x85 or 0x2028 or 0x2029:
                return HiddenCharacter.LineBreak;
            case < 0x20 or (>= 0x7F and <= 0x9F):
                return HiddenCharacter.Control;
            case 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069):
                return HiddenCharacter.DirectionControl;
            // A joiner changes nothing between Latin letters or digits, so there it could only disguise text ("Jo‍hn").
            case 0x200C or 0x200D:
                return IsVisible(previous) && IsVisible(next) && !(previous!.Value.IsAscii && next!.Value.IsAscii)
                    ? HiddenCharacter.None
                    : HiddenCharacter.Invisible;
            case >= 0xE0020 and <= 0xE007F:
                return previous is { Value: 0x1F3F4 or (>= 0xE0020 and <= 0xE007E) } ? HiddenCharacter.None : HiddenCharacter.Invisible;
            // Zero-width space, word joiner and invisible operators, the deprecated format controls, soft hyphen,
            // Mongolian vowel separator, the byte-order mark, interlinear annotations and the language tag.
            case 0x200B or (>= 0x2060 and <= 0x2064) or (>= 0x206A and <= 0x206F) or 0xAD or 0x180E or 0xFEFF
                or (>= 0xFFF9 and <= 0xFFFB) or 0xE0001:
                return HiddenCharacter.Invisible;
            default:
                return HiddenCharacter.None;
        }
    }

    /// <summary>A letter, mark, digit or symbol: what a joiner may sit between.</summary>
    private static bool IsVisible(Rune? rune) => rune is { } r && Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol => true,
        _ => false,
    };
}
