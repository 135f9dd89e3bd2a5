using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Security;

/// <summary>An account behind recent alerts, offered for remediation: who, and the latest alert about it.</summary>
internal sealed record RemediationCandidate(Guid AccountId, string Label, string LatestRule, DateTime LatestAt, int Alerts);

/// <summary>What the analyst chose on the remediation page: accounts ticked, lines pasted, and perhaps a practice's staff.</summary>
internal sealed record RemediationChoice(IReadOnlyList<Guid> Ticked, string? Pasted, Guid? PracticeId);

/// <summary>
/// Turns an analyst's choice into the accounts of a batch: ids as they are, e-mail addresses looked up, a practice's
/// current staff. Each entry is labelled by kind and id only ("patient account 3f2a9c1b"), so the progress page shows
/// no one's name; an address nobody has is kept as a line that names no account.
/// </summary>
internal sealed class RemediationPicker(KaitiakiDb db, ILookupNormalizer normalizer, AuditTrail audit)
{
    private static readonly char[] Separators = [' ', '\t', '\r', '\n', ',', ';'];

    public async Task<List<RemediationCandidate>> CandidatesAsync(SecurityConsole console, CancellationToken cancellationToken)
    {
        var alerts = await db.SecurityAlerts.AsNoTracking().Where(a => a.AccountId != null).OrderByDescending(a => a.RaisedAt).Take(500)
            .Select(a => new { AccountId = a.AccountId!.Value, a.Rule, a.RaisedAt }).ToListAsync(cancellationToken);
        var ids = alerts.Select(a => a.AccountId).Distinct().ToList();
        var labels = await console.AccountLabelsAsync(ids, cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.SecurityConsoleViewed, detail: $"accounts behind alerts; {ids.Count}");
        return alerts.GroupBy(a => a.AccountId).Where(g => labels.ContainsKey(g.Key))
            .Select(g => new RemediationCandidate(g.Key, labels[g.Key], g.First().Rule, g.First().RaisedAt, g.Count())).ToList();
    }

    public async Task<(List<RemediationEntry>? Entries, Problem? Problem)> ResolveAsync(RemediationChoice choice, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>(choice.Ticked);
        var addresses = new List<(int Entry, string Normalised)>();
        var tokens = (choice.Pasted ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (Guid.TryParse(tokens[i], out var id))
            {
                ids.Add(id);
            }
            else if (tokens[i].Contains('@', StringComparison.Ordinal) && tokens[i].Length <= 256)
            {
                addresses.Add((i + 1, normalizer.NormalizeEmail(tokens[i])));
            }
            else
            {
                return (null, new Problem(
                    $"Entry {i + 1} in the pasted list isn't an account id or an e-mail address. Put one id or address on each line.", "pasted"));
            }
        }
        var wanted = addresses.Select(a => a.Normalised).Distinct().ToList();
        var found = wanted.Count == 0
            ? []
            : await db.Users.AsNoTracking().Where(a => wanted.Contains(a.NormalizedEmail!)).Select(a => new { a.Id, a.NormalizedEmail })
                .ToListAsync(cancellationToken);
        var byAddress = found.GroupBy(a => a.NormalizedEmail!).ToDictionary(g => g.Key, g => g.First().Id);
        var nobody = new List<int>();
        foreach (var (entry, normalised) in addresses)
        {
            if (byAddress.TryGetValue(normalised, out var account))
            {
                ids.Add(account);
            }
            else
            {
                nobody.Add(entry);
            }
        }
        if (choice.PracticeId is { } practiceId)
        {
            if (!await db.Practices.AnyAsync(p => p.Id == practiceId, cancellationToken))
            {
                return (null, new Problem("There is no such practice. Choose one from the list.", "practice"));
            }
            ids.AddRange(await db.StaffMemberships.AsNoTracking().Where(m => m.PracticeId == practiceId && m.EndedAt == null)
                .Select(m => m.AccountId).ToListAsync(cancellationToken));
        }
        ids = ids.Distinct().ToList();
        if (ids.Count == 0 && nobody.Count == 0)
        {
            return (null, new Problem(
                choice.PracticeId is null
                    ? "Choose at least one account: tick one, paste account ids or e-mail addresses, or choose a practice."
                    : "That practice has no staff accounts now. Choose accounts another way.", choice.PracticeId is null ? "accounts" : "practice"));
        }
        if (ids.Count + nobody.Count > RemediationBatches.MostAccounts)
        {
            return (null, new Problem($"A batch can hold up to {RemediationBatches.MostAccounts} accounts. Split the list and start more than one.", "pasted"));
        }
        var kinds = await db.Users.AsNoTracking().Where(a => ids.Contains(a.Id)).Select(a => new { a.Id, a.Kind, a.OperatorRole }).ToListAsync(cancellationToken);
        var entries = ids.Select(id => kinds.FirstOrDefault(k => k.Id == id) is { } k
                ? new RemediationEntry($"{KindOf(k.Kind, k.OperatorRole)} account {id.ToString("N")[..8]}", id)
                : new RemediationEntry($"account {id.ToString("N")[..8]}", id))
            .Concat(nobody.Select(n => new RemediationEntry($"No account has the e-mail address in entry {n}", null, RemediationStep.NotFound)))
            .ToList();
        return (entries, null);
    }

    private static string KindOf(AccountKind kind, OperatorRole? role) => kind switch
    {
        AccountKind.Patient => "Patient",
        AccountKind.Staff => "Practice staff",
        _ => role is { } r ? Roles.Of(r) : "Operator",
    };
}
