namespace Kaitiaki.Tests.Support;

/// <summary>
/// Test classes that run <c>kaitiaki</c> verbs in this process. The verbs' progress displays (Spectre.Console) are one
/// per process at a time, so these classes never run side by side.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CommandLineCollection
{
    public const string Name = "In-process command line";
}
