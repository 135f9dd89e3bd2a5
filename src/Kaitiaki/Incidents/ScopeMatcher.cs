using Kaitiaki.Audit;

namespace Kaitiaki.Incidents;

/// <summary>
/// Whether one audit event is one a scope's filter matches: a successful disclosing action on a patient who is not a
/// decoy, in the window, by the accounts, sessions, clients and networks asked for and none of those excluded. The one
/// test a scope run (reading its whole window) and the incident pages (reading through indexes) both apply.
/// </summary>
internal sealed class ScopeMatcher
{
    private readonly HashSet<AuditAction> _actions;
    private readonly HashSet<Guid> _accounts;
    private readonly HashSet<Guid> _excludeAccounts;
    private readonly HashSet<Guid> _sessions;
    private readonly HashSet<Guid> _excludeSessions;
    private readonly HashSet<string> _clients;
    private readonly HashSet<string> _excludeClients;
    private readonly Func<string?, bool> _inNetworks;
    private readonly IReadOnlySet<Guid> _decoys;

    public ScopeMatcher(ScopeFilter filter, IReadOnlySet<Guid> decoys)
    {
        Filter = filter;
        _actions = [.. filter.Actions];
        _accounts = [.. filter.Accounts];
        _excludeAccounts = [.. filter.ExcludeAccounts];
        _sessions = [.. filter.Sessions];
        _excludeSessions = [.. filter.ExcludeSessions];
        _clients = new HashSet<string>(filter.Clients, StringComparer.Ordinal);
        _excludeClients = new HashSet<string>(filter.ExcludeClients, StringComparer.Ordinal);
        _inNetworks = filter.AddressTest();
        _decoys = decoys;
    }

    public ScopeFilter Filter { get; }

    public bool Matches(AuditEvent e) =>
        e.OccurredAt >= Filter.From && e.OccurredAt <= Filter.To
        && e.Outcome == AuditOutcome.Success
        && e.PatientId is { } patientId && !_decoys.Contains(patientId)
        && _actions.Contains(e.Action)
        && Among(e.ActorAccountId, _accounts, _excludeAccounts)
        && Among(e.SessionId, _sessions, _excludeSessions)
        && (_clients.Count == 0 || (e.Client is { } client && _clients.Contains(client)))
        && (e.Client is null || !_excludeClients.Contains(e.Client))
        && _inNetworks(e.IpAddress);

    /// <summary>In the included ids when any are given (so an event without one is out), and never in the excluded.</summary>
    private static bool Among(Guid? id, HashSet<Guid> included, HashSet<Guid> excluded) =>
        (included.Count == 0 || (id is { } value && included.Contains(value)))
        && (id is not { } other || !excluded.Contains(other));
}
