namespace Kaitiaki.Tests.Support;

/// <summary>One portal for the class: every test makes its own practices and people.</summary>
public sealed class SharedPortal : IAsyncLifetime
{
    internal TestPortal Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}
