using Kaitiaki.Audit;

namespace Kaitiaki.Web;

/// <summary>Declares the audit action an endpoint or page records. Every endpoint needs this or <see cref="NoPatientDataAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class AuditedAttribute(params AuditAction[] actions) : Attribute
{
    public IReadOnlyList<AuditAction> Actions { get; } = actions;
}

/// <summary>An explicit mark that an endpoint touches no patient data and so records no audit event.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class NoPatientDataAttribute : Attribute;

/// <summary>
/// Marks a read whose audit event confirms the access revision (<see cref="Storage.AccessCache{TKey, TValue}"/>), so
/// its GET requests may be answered from remembered access decisions. The endpoint must record its read with that
/// revision before sending anything, and decide again from the database when told the revision has moved.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class ConfirmsAccessAtAuditAttribute : Attribute
{
    public static bool Applies(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) && context.GetEndpoint()?.Metadata.GetMetadata<ConfirmsAccessAtAuditAttribute>() is not null
        && context.RequestServices.GetRequiredService<KaitiakiOptions>().RememberAccessDecisions;
}

internal static class EndpointAuditExtensions
{
    public static TBuilder ConfirmsAccessAtAudit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ConfirmsAccessAtAuditAttribute());

    public static TBuilder Audited<TBuilder>(this TBuilder builder, params AuditAction[] actions) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedAttribute(actions));

    public static TBuilder NoPatientData<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NoPatientDataAttribute());
}
