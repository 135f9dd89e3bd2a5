using System.Globalization;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>How many answers had each status, for a report's "statuses" field. Safe to share between parallel workers.</summary>
internal sealed class StatusCounts
{
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Add(int status) => Add(status.ToString(CultureInfo.InvariantCulture));

    public void Add(string name, int count = 1)
    {
        lock (_gate)
        {
            _counts[name] = _counts.GetValueOrDefault(name) + count;
        }
    }

    public int this[int status]
    {
        get
        {
            lock (_gate)
            {
                return _counts.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    public IReadOnlyDictionary<string, int> Snapshot()
    {
        lock (_gate)
        {
            return new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);
        }
    }
}
