using System.Net;

namespace Kaitiaki.Bench.Portal;

/// <summary>
/// The addresses simulated people send from. Linux routes all of 127.0.0.0/8 to the loopback interface, so a client
/// socket bound to 127.x.y.z reaches a portal on 127.0.0.1 and the portal sees 127.x.y.z as the caller's address.
/// Each kind of caller has its own 127.N block, so a rule about one source or one /24 sees only what it should.
/// </summary>
internal static class Sources
{
    /// <summary>Where a patient signs in at home in the stolen-token scenario, as the brief has it.</summary>
    public static readonly IPAddress Home = IPAddress.Parse("127.0.0.1");

    /// <summary>The security team's office.</summary>
    public static readonly IPAddress Analyst = IPAddress.Parse("127.5.0.1");

    /// <summary>A stolen token's new address, in a different /24 from <see cref="Home"/>.</summary>
    public static readonly IPAddress ThiefOfToken = IPAddress.Parse("127.0.1.23");

    /// <summary>Each patient at home, with a /24 of their own: 127.10.0.10, 127.10.1.10, … (room for 62,976 patients).</summary>
    public static IPAddress Patient(int index) => Address(10 + index / 256, index % 256, 10);

    /// <summary>A practice's network, 127.2.P.0/24, with one address per person at the practice.</summary>
    public static IPAddress PracticeNetwork(int practice, int host) => Address(2, practice % 256, 2 + host % 250);

    /// <summary>The patients whose own document lists stand for what an attacker already knows; each from a /24 of its own.</summary>
    public static IPAddress Knowledge(int index) => Address(9, index % 256, 10);

    /// <summary>An attacker's machine for scenario <paramref name="scenario"/>: 127.66.S.1.</summary>
    public static IPAddress Attacker(int scenario) => Address(66, scenario, 1);

    private static IPAddress Address(int b, int c, int d) => new([127, checked((byte)b), checked((byte)c), checked((byte)d)]);
}
