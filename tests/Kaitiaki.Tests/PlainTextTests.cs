using Kaitiaki.Documents;
using Kaitiaki.Web;

namespace Kaitiaki.Tests;

/// <summary>The one rule for text people type: which characters are hidden, and what survives being stripped.</summary>
public sealed class PlainTextTests
{
    /// <summary>One example of each kind of character, by name so that test names and output hold no control characters.</summary>
    internal static string Example(string kind) => kind switch
    {
        "C0" => "\u0007",
        "Tab" => "\t",
        "CRLF" => "\r\n",
        "LF" => "\n",
        "LineSeparator" => "\u2028",
        "DEL" => "\u007F",
        "C1" => "\u009B",
        "NextLine" => "\u0085",
        "RightToLeftOverride" => "\u202E",
        "RightToLeftIsolate" => "\u2067",
        "RightToLeftMark" => "\u200F",
        "ArabicLetterMark" => "\u061C",
        "ZeroWidthSpace" => "\u200B",
        "ByteOrderMark" => "\uFEFF",
        "WordJoiner" => "\u2060",
        "LoneSurrogate" => "\uD83D",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData("C0", "Control")]
    [InlineData("Tab", "Control")]
    [InlineData("CRLF", "LineBreak")]
    [InlineData("LF", "LineBreak")]
    [InlineData("LineSeparator", "LineBreak")]
    [InlineData("DEL", "Control")]
    [InlineData("C1", "Control")]
    [InlineData("NextLine", "LineBreak")]
    [InlineData("RightToLeftOverride", "DirectionControl")]
    [InlineData("RightToLeftIsolate", "DirectionControl")]
    [InlineData("RightToLeftMark", "DirectionControl")]
    [InlineData("ArabicLetterMark", "DirectionControl")]
    [InlineData("ZeroWidthSpace", "Invisible")]
    [InlineData("ByteOrderMark", "Invisible")]
    [InlineData("WordJoiner", "Invisible")]
    [InlineData("LoneSurrogate", "Control")]
    public void A_hidden_character_anywhere_is_found_and_named(string kind, string kindName)
    {
        var expected = Enum.Parse<HiddenCharacter>(kindName);
        Assert.Equal(expected, PlainText.Find("invoice" + Example(kind) + "fdp.exe"));
        Assert.Equal(expected, PlainText.Find(Example(kind) + "invoice"));
        Assert.Equal(expected, PlainText.Find("invoice" + Example(kind)));
    }

    [Theory]
    [InlineData("Reta mō Tāmati: ngā hua o te whakamātautau, Ēnoka, Īhaia, Ūpoko")]
    [InlineData("出院小结")]
    [InlineData("डॉक्टर का पत्र")]            // Devanagari with combining vowel signs
    [InlineData("نامه\u200Cی پزشک")]          // Persian: the non-joiner between two letters is spelling
    [InlineData("ক্\u200Dষ")]                   // Bengali: a joiner between letters picks the conjunct's form
    [InlineData("Ζωή Σμιθ, Зоя Смит, זואי, Zoë")]
    [InlineData("Nurse 👩🏽\u200D⚕️ and family 👨\u200D👩\u200D👧")]
    [InlineData("Pride 🏳️\u200D🌈, keycap 1️⃣, Scotland 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F")]
    [InlineData("Smith & Sons (2026) – “quoted” 50% $12.50")]
    public void Ordinary_writing_in_any_script_and_emoji_is_kept(string text)
    {
        Assert.Equal(HiddenCharacter.None, PlainText.Find(text));
        Assert.Null(PlainText.Problem(text, "The title"));
        Assert.Equal(text.Normalize(System.Text.NormalizationForm.FormC), PlainText.Strip(text));
    }

    [Theory]
    [InlineData("\u200Dinvoice")]             // a joiner with nothing before it
    [InlineData("invoice\u200C")]             // a non-joiner with nothing after it
    [InlineData("pay \u200Dpal")]             // beside a space
    [InlineData("pay\u200D\u200Dpal")]        // beside another joiner
    [InlineData("Jo\u200Dhn")]                // between Latin letters, where it changes nothing and only disguises
    [InlineData("Jo\u200Chn")]
    [InlineData("invoice\U000E0070\U000E0064\U000E0066")] // tag letters that spell no flag: invisible text
    public void A_joiner_or_tag_that_joins_nothing_is_invisible(string text) =>
        Assert.Equal(HiddenCharacter.Invisible, PlainText.Find(text));

    [Fact]
    public void The_words_name_the_field_and_the_kind_and_never_repeat_the_text()
    {
        Assert.Equal("The title has a line break in it. Please put it all on one line.", PlainText.Problem("a\nb", "The title"));
        Assert.Contains("control character", PlainText.Problem("a\u0007b", "The title"), StringComparison.Ordinal);
        Assert.Contains("direction of the text", PlainText.Problem("a\u202Eb", "The given name"), StringComparison.Ordinal);
        Assert.StartsWith("The given name", PlainText.Problem("a\u202Eb", "The given name"), StringComparison.Ordinal);
        Assert.Contains("invisible character", PlainText.Problem("a\u200Bb", "The name"), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", PlainText.Problem("secret\u202Eb", "The name"), StringComparison.Ordinal);
    }

    [Fact]
    public void Strip_removes_every_hidden_character_and_composes_what_is_left()
    {
        Assert.Equal("invoicefdp.exe", PlainText.Strip("invoice\u202Efdp.exe"));
        Assert.Equal("LetterX", PlainText.Strip("Letter\r\n\u0007\u009B\u200B\uFEFF\u2066X\u2069"));
        Assert.Equal("Tāmati", PlainText.Strip("Ta\u0304mati"));           // a + combining macron becomes ā
        Assert.Equal("Tāmati", PlainText.Strip("Ta\u0304\u200Bmati\uD83D")); // and a broken surrogate goes
        Assert.Equal("", PlainText.Strip(null));
    }

    [Theory]
    [InlineData("invoice\u202Efdp.exe.pdf", "invoicefdp.exe.pdf")]
    [InlineData("Letter\r\nto GP.pdf", "Letterto GP.pdf")]
    [InlineData("\u009Bscan\u2066\u200B.pdf", "scan.pdf")]
    [InlineData("Ta\u0304mati\u0007 (2026).pdf", "Tāmati (2026).pdf")]
    [InlineData("\u202E\u200B", "document.pdf")]
    public void A_file_name_from_the_device_is_stripped_not_refused(string sent, string kept) =>
        Assert.Equal(kept, ContentTypes.CleanFileName(sent, ContentTypes.Pdf));
}
