namespace Kaitiaki.Audit;

/// <summary>
/// An event about to be recorded through one of <see cref="AuditTrail"/>'s asynchronous methods, and not yet recorded:
/// a read of a patient's data decided and allowed but not yet sent, or a refusal about to be answered.
/// </summary>
internal sealed record GuardedRead(
    AuditAction Action, AuditOutcome Outcome, Guid? AccountId, string? ActorRole, Guid? SessionId, string? Client, string? IpAddress,
    Guid? PatientId, string? ResourceType, Guid? ResourceId, long? Bytes, int ItemCount)
{
    /// <summary>A successful read that would disclose a patient's data: the only kind a guard can stop.</summary>
    public bool Discloses => Outcome == AuditOutcome.Success && PatientId is not null;
}

/// <summary>
/// Why a guard stopped a request: a short fixed reason for the audit trail (never personal data), and what the caller is
/// told. A plain refusal answers 404, as a missing record does; a containment answers with its own status and a calm
/// message that says nothing about the rule.
/// </summary>
internal sealed record GuardRefusal(
    string Reason, int Status = StatusCodes.Status404NotFound, string? Title = null, string? Message = null, string? Challenge = null)
{
    public bool LooksMissing => Status == StatusCodes.Status404NotFound;
}

/// <summary>
/// Sees every event recorded through <see cref="AuditTrail"/>'s asynchronous methods before it is recorded, so it can
/// count a burst before any of it is answered, and may stop a read after the access decision and before anything is
/// sent (live detection, kill switches). Register with <c>services.AddSingleton&lt;IAccessGuard, T&gt;()</c>; no endpoint
/// can skip one. A refusal of a read records the refusal instead of the read; a refusal of a denial changes only what
/// the caller is told.
/// </summary>
internal interface IAccessGuard
{
    ValueTask<GuardRefusal?> CheckAsync(GuardedRead read, CancellationToken cancellationToken);
}

/// <summary>A guard refused the request. Nothing was sent; the refusal is already on the audit trail.</summary>
internal sealed class AccessRefusedException(GuardRefusal refusal) : Exception("A guard refused this request before anything was sent.")
{
    public GuardRefusal Refusal { get; } = refusal;
}
