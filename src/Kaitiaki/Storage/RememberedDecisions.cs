namespace Kaitiaki.Storage;

/// <summary>
/// The remembered access decisions the current request rests on (a remembered principal, a remembered document), as
/// the oldest access revision among them. It belongs to the request's scope, and <see cref="Audit.AuditTrail"/> reads it
/// for every event it records, so the event is committed only if access has not changed since: no endpoint passes,
/// or can forget to pass, anything. After <see cref="StaleAccessException"/> the request forgets and decides afresh.
/// </summary>
internal sealed class RememberedDecisions
{
    public long? Oldest { get; private set; }

    public void RestOn(long revision) => Oldest = Oldest is { } oldest && oldest < revision ? oldest : revision;

    public void Forget() => Oldest = null;
}
