using Kaitiaki.Practices;

namespace Kaitiaki.Tests;

public sealed class NhiTests
{
    [Theory]
    [InlineData("JBX3656")]
    [InlineData("ZAA0067")]
    [InlineData("ZZZ00AC")]
    [InlineData("ZSC21TN")]
    [InlineData("zaa0067")]
    public void Valid_numbers_from_the_standard_are_accepted(string nhi) => Assert.Null(Nhi.Validate(nhi));

    [Theory]
    [InlineData("ZZZ0044", "no remainder")] // old format: sum mod 11 is 0
    [InlineData("JBX3650", "check digit")] // old format: wrong check digit
    [InlineData("ZZZ00AA", "check letter")] // new format: wrong check letter
    [InlineData("ZHW58CZ", "check letter")] // new format: Z is never a check letter
    [InlineData("ZIA0067", "never uses I or O")] // I is not an NHI letter
    [InlineData("ZOA0067", "never uses I or O")] // O is not an NHI letter
    [InlineData("ZA10067", "3 letters")] // a digit among the first three
    [InlineData("ZAAA067", "digits")] // fourth character must be a digit
    [InlineData("ZAA006", "7 characters")] // too short
    [InlineData("ZAA00670", "7 characters")] // too long
    [InlineData("ZAA00I7", "6th character")] // new format with I in the letter position
    [InlineData("ZAA006A", "check digit")] // old format ending in a letter
    [InlineData("", "Enter")]
    public void Invalid_numbers_are_refused_with_the_rule_they_break(string nhi, string reason)
    {
        var problem = Nhi.Validate(nhi);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Completing_an_old_format_stem_gives_a_valid_number()
    {
        var nhi = Nhi.CompleteOldFormat("ZKT", 100);
        Assert.NotNull(nhi);
        Assert.True(Nhi.IsValid(nhi));
        Assert.True(Nhi.IsTestNumber(nhi!));
    }

    [Fact]
    public void Hpi_facility_ids_carry_a_working_check_character()
    {
        var id = HpiFacilityId.Complete("F2N060");
        Assert.Null(HpiFacilityId.Validate(id));
        var wrong = id[..7] + (id[7] == '0' ? '1' : '0');
        Assert.NotNull(HpiFacilityId.Validate(wrong));
        Assert.NotNull(HpiFacilityId.Validate("G2N060-1"));
    }
}
