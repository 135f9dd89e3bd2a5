using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// What an attacker already knows before the attack: real document ids of other patients, learnt out of band. Here
/// other demo patients each sign in from an address of their own and list their own documents; none of it counts
/// towards the attack, and none of it is unusual for the portal.
/// </summary>
internal static class Knowledge
{
    public static async Task<List<Guid>> ForeignDocumentIdsAsync(Bench bench, DemoAccount victim, int wanted, CancellationToken cancellationToken)
    {
        var others = bench.Accounts.InRole(DemoAccounts.Patient)
            .Where(a => !string.Equals(a.Email, victim.Email, StringComparison.OrdinalIgnoreCase) && !string.Equals(a.Nhi, victim.Nhi, StringComparison.Ordinal))
            .Take(Math.Max(wanted, 10))
            .ToList();
        var ids = new List<Guid>();
        var index = 0;
        foreach (var batch in others.Chunk(4))
        {
            var lists = await Task.WhenAll(batch.Select(async account =>
            {
                using var session = await bench.SignIn.AsAsync(account, Sources.Knowledge(Interlocked.Increment(ref index)), cancellationToken);
                var own = await session.ListDocumentsAsync(null, cancellationToken);
                return own.Value ?? [];
            }));
            ids.AddRange(lists.SelectMany(l => l).Select(d => d.Id));
            if (ids.Count >= wanted)
            {
                break;
            }
        }
        if (ids.Count == 0)
        {
            throw new BenchException("No other demo patient has a document, so there is nothing to probe for.");
        }
        Bench.Say($"Learnt {Math.Min(ids.Count, wanted)} real document ids of other patients, out of band (not counted).");
        return ids.Take(wanted).ToList();
    }
}
