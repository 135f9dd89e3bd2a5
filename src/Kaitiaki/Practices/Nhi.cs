namespace Kaitiaki.Practices;

/// <summary>
/// National Health Index numbers (HISO 10046). Old format AAANNNC ends in a check digit; new
/// format AAANNAX ends in a check letter. Letters exclude I and O. An NHI identifies a person;
/// it never authenticates one.
/// </summary>
internal static class Nhi
{
    private static readonly int[] Weights = [7, 6, 5, 4, 3, 2];

    /// <summary>Returns null when <paramref name="value"/> is a valid NHI, otherwise the reason it is not.</summary>
    public static string? Validate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "Enter an NHI number.";
        }
        var nhi = value.Trim().ToUpperInvariant();
        if (nhi.Length != 7)
        {
            return "An NHI number has 7 characters: 3 letters, then 4 characters.";
        }
        for (var i = 0; i < 3; i++)
        {
            if (LetterValue(nhi[i]) is null)
            {
                return "An NHI number starts with 3 letters, and never uses I or O.";
            }
        }
        if (!char.IsAsciiDigit(nhi[3]) || !char.IsAsciiDigit(nhi[4]))
        {
            return "The 4th and 5th characters of an NHI number are digits.";
        }

        var sum = 0;
        for (var i = 0; i < 6; i++)
        {
            var v = i < 3 || (i == 5 && !char.IsAsciiDigit(nhi[5])) ? LetterValue(nhi[i]) : nhi[i] - '0';
            if (v is null)
            {
                return "The 6th character of an NHI number is a digit or a letter other than I or O.";
            }
            sum += v.Value * Weights[i];
        }

        if (char.IsAsciiDigit(nhi[5]))
        {
            if (!char.IsAsciiDigit(nhi[6]))
            {
                return "An NHI number in the AAANNNC format ends in a check digit.";
            }
            var r = sum % 11;
            if (r == 0)
            {
                return "This NHI number cannot be valid: its check sum leaves no remainder.";
            }
            return (11 - r) % 10 == nhi[6] - '0' ? null : "The check digit of this NHI number does not match. Please check it for typing errors.";
        }

        var check = LetterValue(nhi[6]);
        if (check is null)
        {
            return "An NHI number in the AAANNAX format ends in a check letter other than I or O.";
        }
        return 23 - (sum % 23) == check ? null : "The check letter of this NHI number does not match. Please check it for typing errors.";
    }

    public static bool IsValid(string? value) => Validate(value) is null;

    public static string Normalise(string value) => value.Trim().ToUpperInvariant();

    public static bool IsTestNumber(string value) => Normalise(value).StartsWith('Z');

    /// <summary>Makes the old-format NHI that starts with <paramref name="letters"/> and <paramref name="digits"/>, or null when that stem has no valid check digit.</summary>
    public static string? CompleteOldFormat(string letters, int digits)
    {
        var stem = $"{letters}{digits:D3}";
        for (var c = 0; c <= 9; c++)
        {
            if (IsValid(stem + c))
            {
                return stem + c;
            }
        }
        return null;
    }

    internal static int? LetterValue(char c) => c switch
    {
        >= 'A' and <= 'H' => c - 'A' + 1,
        >= 'J' and <= 'N' => c - 'J' + 9,
        >= 'P' and <= 'Z' => c - 'P' + 14,
        _ => null,
    };
}
