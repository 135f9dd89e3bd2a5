using System.Globalization;
using System.Text;
using Kaitiaki.Practices;
using Kaitiaki.Web;

namespace Kaitiaki.Incidents;

/// <summary>
/// The three details as the agent typed them. The date of birth comes as the GOV.UK date input's day, month and year,
/// or as one ISO date (2026-01-31) when a tool posts it.
/// </summary>
internal sealed record HelplineForm(string? Nhi, string? Day, string? Month, string? Year, string? DateOfBirth, string? FamilyName);

/// <summary>The three details, each valid on its own: a look-up may be made with them.</summary>
internal sealed record HelplineDetails(string Nhi, DateOnly DateOfBirth, string FamilyName);

/// <summary>What is wrong with one field: the id of the input to fix, and the words for it.</summary>
internal sealed record FieldProblem(string Field, string Message)
{
    /// <summary>The field as the page groups them: the day, month and year are one date of birth.</summary>
    public string Group => Field.StartsWith("dob-", StringComparison.Ordinal) ? "dob" : Field;
}

/// <summary>Why the form was refused: the lines of the error summary, and the message beside each field.</summary>
internal sealed record HelplineProblems(IReadOnlyList<FieldProblem> Summary, IReadOnlyList<FieldProblem> Fields)
{
    public string? For(string group) => Fields.FirstOrDefault(f => f.Group == group)?.Message;
}

/// <summary>
/// Reads the helpline form. All three details are required: with any missing, no look-up is made and the answer names
/// what is missing. Nothing here reads the database, so a refusal says nothing about anyone.
/// </summary>
internal static class HelplineInput
{
    public const string NhiField = "nhi";
    public const string DayField = "dob-day";
    public const string MonthField = "dob-month";
    public const string YearField = "dob-year";
    public const string FamilyNameField = "familyName";

    public const int FamilyNameMaxLength = 100;

    /// <summary>The details, or null with every problem found.</summary>
    public static HelplineDetails? Read(HelplineForm form, DateOnly today, out HelplineProblems? refused)
    {
        refused = null;
        var problems = new List<FieldProblem>();
        var nhi = string.Concat((form.Nhi ?? "").Where(c => !char.IsWhiteSpace(c)));
        var dateGiven = !Blank(form.Day) || !Blank(form.Month) || !Blank(form.Year) || !Blank(form.DateOfBirth);
        var missing = new List<(string Field, string Words)>();
        if (nhi.Length == 0)
        {
            missing.Add((NhiField, "NHI number"));
        }
        if (!dateGiven)
        {
            missing.Add((DayField, "date of birth"));
        }
        if (Blank(form.FamilyName))
        {
            missing.Add((FamilyNameField, "family name"));
        }
        if (missing.Count > 0)
        {
            // One message that names everything missing, then one beside each field, as the GOV.UK pattern has it.
            refused = new HelplineProblems(
                [new FieldProblem(missing[0].Field, $"Enter their {Together(missing.Select(m => m.Words))}. A look-up needs all three details: NHI number, date of birth and family name.")],
                [.. missing.Select(m => new FieldProblem(m.Field, $"Enter their {m.Words}"))]);
            return null;
        }

        if (Nhi.Validate(nhi) is { } nhiProblem)
        {
            problems.Add(new FieldProblem(NhiField, nhiProblem));
        }
        var date = ReadDate(form, today, problems);
        var familyName = Fold(form.FamilyName!);
        if (familyName.Length > FamilyNameMaxLength)
        {
            problems.Add(new FieldProblem(FamilyNameField, $"A family name here has {FamilyNameMaxLength} characters or fewer."));
        }
        else if (PlainText.Problem(form.FamilyName!.Trim(), "The family name") is { } hidden)
        {
            problems.Add(new FieldProblem(FamilyNameField, hidden));
        }
        if (problems.Count > 0)
        {
            refused = new HelplineProblems(problems, problems);
            return null;
        }
        return new HelplineDetails(Nhi.Normalise(nhi), date!.Value, familyName);
    }

    /// <summary>
    /// Whether two family names are the same name: compared in Unicode normal form C, so a macron typed as one character
    /// or as a letter and a combining mark reads the same, without regard to case, spaces at either end or doubled
    /// inside, or which apostrophe or hyphen the keyboard made. "Ngāta" and "Ngata" are different names.
    /// </summary>
    public static bool SameFamilyName(string stored, string typed) => string.Equals(Fold(stored), Fold(typed), StringComparison.OrdinalIgnoreCase);

    internal static string Fold(string name)
    {
        var text = new StringBuilder(name.Length);
        var space = false;
        foreach (var c in name.Normalize(NormalizationForm.FormC).Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (space)
            {
                text.Append(' ');
                space = false;
            }
            text.Append(c switch
            {
                '\u2018' or '\u2019' or '\u02BC' or '\u0060' or '\u00B4' => '\'',
                '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => '-',
                _ => c,
            });
        }
        return text.ToString();
    }

    private static DateOnly? ReadDate(HelplineForm form, DateOnly today, List<FieldProblem> problems)
    {
        DateOnly date;
        if (Blank(form.Day) && Blank(form.Month) && Blank(form.Year))
        {
            if (!DateOnly.TryParseExact(form.DateOfBirth!.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                problems.Add(new FieldProblem(DayField, "Enter their date of birth as a real date, like 27 3 1985."));
                return null;
            }
        }
        else
        {
            var parts = new (string? Text, string Field, string Words)[] { (form.Day, DayField, "day"), (form.Month, MonthField, "month"), (form.Year, YearField, "year") };
            var absent = parts.Where(p => Blank(p.Text)).ToList();
            if (absent.Count > 0)
            {
                problems.Add(new FieldProblem(absent[0].Field, $"Their date of birth must include a {Together(absent.Select(p => p.Words))}."));
                return null;
            }
            if (!int.TryParse(form.Day!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
                || !int.TryParse(form.Month!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
                || !int.TryParse(form.Year!.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
                || form.Year.Trim().Length != 4
                || !DateOnly.TryParseExact($"{year:D4}-{month:D2}-{day:D2}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                problems.Add(new FieldProblem(DayField, "Enter their date of birth as a real date, with a 4-digit year, like 27 3 1985."));
                return null;
            }
        }
        if (date > today)
        {
            problems.Add(new FieldProblem(DayField, "Their date of birth must be today or in the past."));
            return null;
        }
        if (date < today.AddYears(-130))
        {
            problems.Add(new FieldProblem(YearField, "Check the year of their date of birth: it is more than 130 years ago."));
            return null;
        }
        return date;
    }

    private static bool Blank(string? text) => string.IsNullOrWhiteSpace(text);

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string Together(IEnumerable<string> words)
    {
        var list = words.ToList();
        return list.Count == 1 ? list[0] : $"{string.Join(", ", list[..^1])} and {list[^1]}";
    }
}
