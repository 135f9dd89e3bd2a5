namespace Kaitiaki.Tests.Support;

/// <summary>A clock tests can move, so time-based rules (TOTP steps, timeouts, expiry) are tested without waiting.</summary>
internal sealed class MutableClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly Lock _gate = new();

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
