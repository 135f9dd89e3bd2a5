namespace Kaitiaki.Audit;

/// <summary>A read about to disclose a patient's data: decided and allowed, and not yet recorded or sent.</summary>
internal sealed record GuardedRead(
    AuditAction Action, Guid? AccountId, Guid? SessionId, string? Client, string? IpAddress, Guid PatientId, string? ResourceType, Guid? ResourceId,
    long? Bytes, int ItemCount);

/// <summary>Why a guard stopped a read: a short fixed reason for the audit trail, never personal data.</summary>
internal sealed record GuardRefusal(string Reason);

/// <summary>
/// May refuse a read after the access decision and before anything is sent (live detection, kill switches). Register
/// with <c>services.AddSingleton&lt;IAccessGuard, T&gt;()</c>. Every read recorded through <see cref="AuditTrail"/>'s
/// asynchronous methods passes every guard first, so no endpoint can skip one.
/// </summary>
internal interface IAccessGuard
{
    ValueTask<GuardRefusal?> CheckAsync(GuardedRead read, CancellationToken cancellationToken);
}

/// <summary>A guard refused the read. Nothing was sent; the refusal is already on the audit trail. Answers 404, like any refusal.</summary>
internal sealed class AccessRefusedException() : Exception("A guard refused this read before anything was sent.");
