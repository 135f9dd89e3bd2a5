using Kaitiaki.Storage;

namespace Kaitiaki.Documents;

internal static class DocumentsSetup
{
    public static IServiceCollection AddDocuments(this IServiceCollection services)
    {
        services.AddSingleton<DataKeys>();
        services.AddSingleton<IDocumentStore, FileDocumentStore>();
        services.AddScoped<DocumentAccessPolicy>();
        services.AddScoped<DocumentService>();
        services.AddScoped<DocumentUpload>();
        services.AddScoped<DocumentContent>();
        services.AddScoped<DocumentMaintenance>();
        services.AddScoped<KeyRotation>();
        services.AddHostedService<StagingCleanup>();
        return services;
    }

    /// <summary>Uploads cut off by a crash leave staging files; they are removed before the portal takes requests.</summary>
    private sealed class StagingCleanup(IDocumentStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.RemoveAbandonedStagingAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
