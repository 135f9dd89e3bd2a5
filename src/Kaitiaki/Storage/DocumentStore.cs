namespace Kaitiaki.Storage;

internal sealed class BlobMissingException(string name) : Exception($"The blob '{name}' is missing from the blob store.");

/// <summary>A blob being written. It becomes visible under its name only on <see cref="CommitAsync"/>; disposing without committing removes it.</summary>
internal interface IStagedBlob : IAsyncDisposable
{
    Stream Stream { get; }

    Task CommitAsync(string name, CancellationToken cancellationToken);

    /// <summary>Reads back what was written so far, without committing (for re-encrypting a spooled upload).</summary>
    Task<Stream> OpenReadAsync(CancellationToken cancellationToken);
}

/// <summary>Where encrypted document blobs live. The file system is the embedded default; object storage is the other.</summary>
internal interface IDocumentStore
{
    Task<IStagedBlob> StageAsync(CancellationToken cancellationToken);

    /// <summary>A seekable stream over a committed blob.</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);

    IAsyncEnumerable<string> ListAsync(CancellationToken cancellationToken);

    /// <summary>Removes blobs left half-written by a crash. Called at start-up.</summary>
    Task RemoveAbandonedStagingAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Blobs as files under <c>data/documents</c>. A blob is written to a staging file, flushed to disk and
/// renamed into place, so a crash leaves either the whole blob or a staging file that start-up removes.
/// </summary>
internal sealed class FileDocumentStore(KaitiakiOptions options) : IDocumentStore
{
    private string Root => Path.Combine(options.DataPath, "documents");
    private string Staging => Path.Combine(Root, ".staging");

    public Task<IStagedBlob> StageAsync(CancellationToken cancellationToken)
    {
        OwnerOnly.CreateDirectory(Staging);
        var path = Path.Combine(Staging, Guid.NewGuid().ToString("N") + ".partial");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        var stream = new FileStream(path, fileOptions);
        return Task.FromResult<IStagedBlob>(new StagedFile(this, path, stream));
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream>(new InlineReadFileStream(PathOf(name)));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobMissingException(name);
        }
    }

    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(name)));

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<string> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(Root, "*.kdoc", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
        }
        await Task.CompletedTask;
    }

    public Task RemoveAbandonedStagingAsync(CancellationToken cancellationToken)
    {
        if (Directory.Exists(Staging))
        {
            foreach (var file in Directory.EnumerateFiles(Staging, "*.partial"))
            {
                File.Delete(file);
            }
        }
        return Task.CompletedTask;
    }

    // Blob names come from document ids, never from anything a person typed.
    private string PathOf(string name)
    {
        if (name.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(name))
        {
            throw new ArgumentException("Not a blob name.", nameof(name));
        }
        return Path.Combine(Root, name.Replace('/', Path.DirectorySeparatorChar));
    }

    private sealed class StagedFile(FileDocumentStore store, string path, FileStream stream) : IStagedBlob
    {
        private bool _committed;

        public Stream Stream => stream;

        public async Task<Stream> OpenReadAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous,
            });
        }

        public async Task CommitAsync(string name, CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            var target = store.PathOf(name);
            OwnerOnly.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(path, target);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync();
            if (!_committed)
            {
                File.Delete(path);
            }
        }
    }
}

/// <summary>
/// A blob file read on the calling thread. Blobs are read a 64 KiB segment at a time and usually come from the page
/// cache, where the read takes microseconds; handing each one to a thread-pool thread, as asynchronous file reads do on
/// Linux, costs more than the read itself.
/// </summary>
internal sealed class InlineReadFileStream(string path) : FileStream(path, new FileStreamOptions
{
    Mode = FileMode.Open,
    Access = FileAccess.Read,
    Share = FileShare.Read | FileShare.Delete,
    BufferSize = 0,
})
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
