using System.Collections.Concurrent;

namespace Kaitiaki.Storage;

/// <summary>
/// One writer at a time per SQLite database, queued in the process. SQLite lets one connection write at a time, and
/// Microsoft.Data.Sqlite answers a busy database by blocking the thread for 150 ms and trying again, so writers that
/// collide (every download writes its audit event) wait far longer than the write takes and hold thread-pool threads
/// while they do. Waiting here instead costs only the writes ahead in the queue. Other processes (the command line)
/// still meet SQLite's own lock, which stays the guarantee; this only keeps the portal's writers from colliding.
/// </summary>
internal static class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    public static async Task<IDisposable> EnterAsync(string connectionString, CancellationToken cancellationToken)
    {
        var gate = GateOf(connectionString);
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    /// <summary>The same wait, blocking: for the audit writer, which has a thread of its own.</summary>
    public static IDisposable Enter(string connectionString)
    {
        var gate = GateOf(connectionString);
        gate.Wait();
        return new Release(gate);
    }

    private static SemaphoreSlim GateOf(string connectionString) => Gates.GetOrAdd(connectionString, _ => new SemaphoreSlim(1, 1));

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
