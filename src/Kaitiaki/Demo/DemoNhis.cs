using Kaitiaki.Practices;

namespace Kaitiaki.Demo;

/// <summary>
/// The demo world's NHIs: Z-range test numbers, valid by their check digit, handed out in one sequence so that the
/// patients with accounts and the ones added without (<see cref="DemoPopulation"/>) never share a number.
/// </summary>
internal sealed class DemoNhis
{
    private const string Letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";

    // ZKT is letter 9 then letter 17 of the 24; 576 blocks of a thousand fit before the letters come round again.
    private const int FirstBlock = 9 * 24 + 17;
    private int _number = 100;

    /// <summary>ZKT100 to ZKT999, then ZKU000 onwards, skipping the stems that have no valid check digit.</summary>
    public string Next()
    {
        while (true)
        {
            var block = FirstBlock + _number / 1000;
            if (block >= FirstBlock + Letters.Length * Letters.Length)
            {
                throw new InvalidOperationException("The demo world has run out of test NHIs.");
            }
            var prefix = $"Z{Letters[block / 24 % 24]}{Letters[block % 24]}";
            if (Nhi.CompleteOldFormat(prefix, _number++ % 1000) is { } nhi)
            {
                return nhi;
            }
        }
    }
}
