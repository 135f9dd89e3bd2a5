using System.Diagnostics;

namespace Kaitiaki.Bench.Scenarios;

/// <summary>Whether an answer came before or after the attacker was first contained.</summary>
internal enum Phase
{
    BeforeContainment,
    AfterContainment,
}

/// <summary>
/// Watches an attacker's answers for the first containment: by default 401 (session revoked), 403 (account suspended
/// or source blocked), 429 (throttled) or 503 (switched off). A plain refusal of someone else's data is a 404 and is
/// only a denial. Safe to share between parallel workers.
/// </summary>
internal sealed class ContainmentWatch(Func<int, bool>? isContainment = null)
{
    private readonly Func<int, bool> _isContainment = isContainment ?? IsContainmentStatus;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _requests;
    private int _denials;

    public static bool IsContainmentStatus(int status) => status is 401 or 403 or 429 or 503;

    public bool Contained { get; private set; }
    public int? ContainedWith { get; private set; }
    public double? SecondsToContainment { get; private set; }
    public int RequestsBeforeContainment { get; private set; }

    /// <summary>Plain denials (404) before the first containment: the probing the portal let happen.</summary>
    public int DenialsBeforeContainment { get; private set; }

    public int Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests;
            }
        }
    }

    /// <summary>Records one answer, and says whether it came after the first containment.</summary>
    public Phase Saw(int status)
    {
        lock (_gate)
        {
            _requests++;
            if (Contained)
            {
                return Phase.AfterContainment;
            }
            if (_isContainment(status))
            {
                Contained = true;
                ContainedWith = status;
                SecondsToContainment = Math.Round(_clock.Elapsed.TotalSeconds, 3);
                RequestsBeforeContainment = _requests - 1;
                DenialsBeforeContainment = _denials;
                return Phase.AfterContainment;
            }
            if (status == 404)
            {
                _denials++;
            }
            RequestsBeforeContainment = _requests;
            DenialsBeforeContainment = _denials;
            return Phase.BeforeContainment;
        }
    }
}
