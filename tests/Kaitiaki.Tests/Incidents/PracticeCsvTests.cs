using System.Text;
using Kaitiaki.Incidents;
using Kaitiaki.Incidents.Pages;

namespace Kaitiaki.Tests.Incidents;

/// <summary>The practice export's cells and the review pages' words, without a portal.</summary>
public sealed class PracticeCsvTests
{
    [Theory]
    [InlineData("=1+2", "\"'=1+2\"")]
    [InlineData("+64 21 555 0101", "\"'+64 21 555 0101\"")]
    [InlineData("-2", "\"'-2\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tleading tab", "\"'\tleading tab\"")]
    [InlineData("\rleading return", "\"'\rleading return\"")]
    [InlineData("Mere = fine in the middle", "\"Mere = fine in the middle\"")]
    [InlineData("Tāmati, \"Junior\"", "\"Tāmati, \"\"Junior\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("", "\"\"")]
    public void A_cell_is_quoted_and_a_formula_stays_text(string value, string cell) => Assert.Equal(cell, PracticeCsv.Cell(value));

    [Fact]
    public void The_file_names_its_version_in_every_row_and_in_its_name()
    {
        var practice = Guid.NewGuid();
        var list = new ScopePatientPage(3, Frozen: false, 1, 10, 1,
        [
            new ScopePatientRow(Guid.NewGuid(), "ZZZ0016", "=cmd Test", new DateOnly(1980, 1, 2), Disclosure.Metadata, [Guid.NewGuid(), Guid.NewGuid()],
                [practice], [], new DateTime(2026, 12, 1, 20, 41, 0, DateTimeKind.Utc), true, "@risk"),
        ]);
        var text = Encoding.UTF8.GetString(PracticeCsv.Write(list, practice));
        var rows = PracticeReviewPagesTests.ParseCsv(text.TrimStart('\uFEFF'));

        Assert.Equal(2, rows.Count);
        Assert.Equal(["Version 3 (draft)", "ZZZ0016", "'=cmd Test", "1980-01-02", "Metadata only", "2", "Yes", "No", "Wed 2 Dec 2026, 9:41 am NZDT", "Yes", "'@risk"], rows[1]);
        var incident = new Incident { Id = Guid.Parse("0192a3b4-c5d6-7e8f-9012-3456789abcde"), Title = "t", AwareAt = new DateTime(2026, 12, 1, 20, 0, 0, DateTimeKind.Utc) };
        Assert.Equal("kaitiaki-incident-2026-12-02-0192a3b4-version-3.csv", PracticeCsv.FileName(incident, 3));
    }

    [Theory]
    [InlineData(47 * 60 + 59, "1 day and 23 hours left")]
    [InlineData(48 * 60, "2 days left")]
    [InlineData(61, "1 hour left")]
    [InlineData(5, "5 minutes left")]
    [InlineData(0, "less than a minute left")]
    [InlineData(-3 * 60 - 1, "overdue by 3 hours")]
    [InlineData(-25 * 60, "overdue by 1 day and 1 hour")]
    public void Time_left_reads_in_days_and_hours(int minutes, string words)
    {
        var now = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(words, ReviewText.TimeLeft(now.AddMinutes(minutes), now));
    }

    [Fact]
    public void The_version_chosen_by_default_is_the_latest_frozen_then_the_latest_draft()
    {
        PracticeVersionCount V(int n, bool frozen) => new(n, frozen, 0, 0, 0, null, null, false);
        Assert.Equal(2, PracticeVersionCount.Chosen([V(1, true), V(2, true), V(3, false)])!.Version);
        Assert.Equal(3, PracticeVersionCount.Chosen([V(1, false), V(3, false)])!.Version);
        Assert.Null(PracticeVersionCount.Chosen([]));
    }
}
