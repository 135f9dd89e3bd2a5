namespace Kaitiaki.Incidents;

/// <summary><c>Kaitiaki:Incidents</c>: how long practices have to review a frozen version, and the helpline's limits.</summary>
internal sealed class IncidentOptions
{
    /// <summary>How long practices have to review a frozen version and approve their list. Two days unless set.</summary>
    public TimeSpan ReviewWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How many look-ups a support agent may make in a minute before the helpline asks them to wait.</summary>
    public int HelplineLookupsPerMinute { get; set; } = 10;

    /// <summary>How many look-ups by one agent in an hour raise a security alert (a burst no helpline call explains).</summary>
    public int HelplineLookupsPerHour { get; set; } = 120;

    /// <summary>The helpline number people are given in banners, the call script and (in part 2) notices.</summary>
    public string HelplineNumber { get; set; } = "0800 524 842";

    public void Validate()
    {
        if (ReviewWindow <= TimeSpan.Zero || HelplineLookupsPerMinute < 1 || HelplineLookupsPerHour < 1)
        {
            throw new InvalidOperationException(
                "Kaitiaki:Incidents:ReviewWindow must be positive, and HelplineLookupsPerMinute and HelplineLookupsPerHour at least 1.");
        }
    }
}
