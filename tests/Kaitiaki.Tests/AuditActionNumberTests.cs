using Kaitiaki.Audit;

namespace Kaitiaki.Tests;

public sealed class AuditActionNumberTests
{
    // Stored events keep the number, so two actions sharing one would make old events read as the other.
    [Fact]
    public void Every_audit_action_has_a_number_of_its_own()
    {
        var shared = Enum.GetNames<AuditAction>()
            .GroupBy(name => (int)Enum.Parse<AuditAction>(name))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g)}")
            .ToList();
        Assert.True(shared.Count == 0, "Audit actions share a number: " + string.Join("; ", shared));
    }
}
