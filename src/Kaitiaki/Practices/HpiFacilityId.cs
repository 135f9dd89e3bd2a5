namespace Kaitiaki.Practices;

/// <summary>HPI facility identifiers, <c>FXXNNN-C</c>, with a mod-11 check character.</summary>
internal static class HpiFacilityId
{
    private static readonly int[] Weights = [7, 6, 5, 4, 3, 2];

    public static string? Validate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "Enter the practice's HPI facility id.";
        }
        var id = value.Trim().ToUpperInvariant();
        if (id.Length != 8 || id[0] != 'F' || id[6] != '-')
        {
            return "An HPI facility id looks like F2N060-E: the letter F, 2 letters or digits, 3 digits, a dash and a check character.";
        }
        var sum = 0;
        for (var i = 0; i < 6; i++)
        {
            var c = id[i];
            var v = char.IsAsciiDigit(c) ? c - '0' : Nhi.LetterValue(c);
            if (v is null || (i >= 3 && !char.IsAsciiDigit(c)))
            {
                return "An HPI facility id looks like F2N060-E: the letter F, 2 letters or digits, 3 digits, a dash and a check character.";
            }
            sum += v.Value * Weights[i];
        }
        return CheckCharacter(sum) == id[7] ? null : "The check character of this HPI facility id does not match.";
    }

    /// <summary>Completes a facility id stem such as <c>F2N060</c> with its check character.</summary>
    public static string Complete(string stem)
    {
        var sum = 0;
        for (var i = 0; i < 6; i++)
        {
            var c = stem[i];
            sum += (char.IsAsciiDigit(c) ? c - '0' : Nhi.LetterValue(c)!.Value) * Weights[i];
        }
        return $"{stem}-{CheckCharacter(sum)}";
    }

    // The check value is 11 minus the remainder; 10 is written as X and 11 (remainder 0) as 0.
    private static char CheckCharacter(int sum)
    {
        var check = (11 - (sum % 11)) % 11;
        return check == 10 ? 'X' : (char)('0' + check);
    }
}
