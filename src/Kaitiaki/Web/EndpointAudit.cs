using Kaitiaki.Audit;

namespace Kaitiaki.Web;

/// <summary>Declares the audit action an endpoint or page records. Every endpoint needs this or <see cref="NoPatientDataAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AuditedAttribute(params AuditAction[] actions) : Attribute
{
    public IReadOnlyList<AuditAction> Actions { get; } = actions;
}

/// <summary>An explicit mark that an endpoint touches no patient data and so records no audit event.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class NoPatientDataAttribute : Attribute;

public static class EndpointAuditExtensions
{
    public static TBuilder Audited<TBuilder>(this TBuilder builder, params AuditAction[] actions) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedAttribute(actions));

    public static TBuilder NoPatientData<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NoPatientDataAttribute());
}
