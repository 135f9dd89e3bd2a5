using Kaitiaki.Bench.Portal;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>
/// A simulated day on the portal's benchmark clock. Each simulated person is an async script that awaits
/// <see cref="UntilAsync"/> before each step. When every script is waiting (or done), the clock moves forwards to
/// the earliest wait and releases every script due within one <see cref="Quantum"/> of it; they run side by side
/// at that portal time, and the clock moves on only once all of them are waiting again.
/// </summary>
internal sealed class SimulatedTime(PortalClock clock, TimeSpan quantum)
{
    private readonly PriorityQueue<TaskCompletionSource, TimeSpan> _waiting = new();
    private readonly Lock _gate = new();
    private readonly List<Exception> _failures = [];
    private TaskCompletionSource _allWaiting = NewSignal();
    private int _running;
    private DateTimeOffset _start;

    public TimeSpan Quantum { get; } = quantum;

    /// <summary>Simulated time since the day began, as the portal's clock has it.</summary>
    public TimeSpan Now => clock.Now - _start;

    public IReadOnlyList<Exception> Failures => _failures;

    /// <summary>Waits until the simulated time <paramref name="at"/> (from the start of the day).</summary>
    public Task UntilAsync(TimeSpan at)
    {
        var due = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Enqueue(due, at);
            Idle();
        }
        return due.Task;
    }

    public async Task RunAsync(IReadOnlyList<Func<Task>> scripts, CancellationToken cancellationToken)
    {
        _start = await clock.AdvanceAsync(TimeSpan.FromSeconds(1), cancellationToken);
        lock (_gate)
        {
            _running = scripts.Count;
        }
        foreach (var script in scripts)
        {
            _ = RunOneAsync(script);
        }
        while (true)
        {
            Task allWaiting;
            lock (_gate)
            {
                allWaiting = _allWaiting.Task;
                if (_running == 0)
                {
                    _allWaiting.TrySetResult();
                }
            }
            await allWaiting.WaitAsync(cancellationToken);
            TimeSpan next;
            lock (_gate)
            {
                if (!_waiting.TryPeek(out _, out next))
                {
                    return; // every script has finished
                }
            }
            var ahead = next - Now;
            if (ahead >= TimeSpan.FromSeconds(1))
            {
                await clock.AdvanceAsync(ahead, cancellationToken);
            }
            lock (_gate)
            {
                var until = Now + Quantum;
                _allWaiting = NewSignal();
                while (_waiting.TryPeek(out _, out var at) && at <= until)
                {
                    _running++;
                    _waiting.Dequeue().SetResult();
                }
            }
        }
    }

    private async Task RunOneAsync(Func<Task> script)
    {
        try
        {
            await script();
        }
        catch (Exception error)
        {
            lock (_gate)
            {
                _failures.Add(error);
            }
        }
        finally
        {
            lock (_gate)
            {
                Idle();
            }
        }
    }

    // Called under the lock when a script stops running: it waits again, or it has finished.
    private void Idle()
    {
        _running--;
        if (_running == 0)
        {
            _allWaiting.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
