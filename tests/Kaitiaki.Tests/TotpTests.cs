using Kaitiaki.Accounts;

namespace Kaitiaki.Tests;

public sealed class TotpTests
{
    private const string Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // RFC 6238's SHA-1 test key, "12345678901234567890"

    [Theory]
    [InlineData(59, "287082")]
    [InlineData(1111111109, "081804")]
    [InlineData(1234567890, "005924")]
    [InlineData(2000000000, "279037")]
    public void Codes_match_the_RFC_6238_test_vectors(long unixSeconds, string expected) =>
        Assert.Equal(expected, Totp.Code(Secret, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds))));

    [Fact]
    public void The_current_step_and_one_either_side_are_accepted()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var step = Totp.StepAt(now);
        Assert.Equal(step, Totp.Match(Secret, Totp.Code(Secret, step), now, 0));
        Assert.Equal(step - 1, Totp.Match(Secret, Totp.Code(Secret, step - 1), now, 0));
        Assert.Equal(step + 1, Totp.Match(Secret, Totp.Code(Secret, step + 1), now, 0));
    }

    [Fact]
    public void A_code_from_two_steps_ago_is_refused()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var step = Totp.StepAt(now);
        Assert.Null(Totp.Match(Secret, Totp.Code(Secret, step - 2), now, 0));
        Assert.Null(Totp.Match(Secret, Totp.Code(Secret, step + 2), now, 0));
    }

    [Fact]
    public void A_used_step_and_anything_older_are_refused()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var step = Totp.StepAt(now);
        Assert.Null(Totp.Match(Secret, Totp.Code(Secret, step), now, lastAcceptedStep: step));
        Assert.Null(Totp.Match(Secret, Totp.Code(Secret, step - 1), now, lastAcceptedStep: step));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("abcdef")]
    public void Malformed_codes_are_refused(string? code) =>
        Assert.Null(Totp.Match(Secret, code, DateTimeOffset.UtcNow, 0));

    [Fact]
    public void Base32_round_trips()
    {
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);
        Assert.Equal(bytes, Base32.Decode(Base32.Encode(bytes)));
    }
}
