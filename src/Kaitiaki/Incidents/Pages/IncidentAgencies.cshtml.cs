using Kaitiaki.Audit;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Mvc;

namespace Kaitiaki.Incidents.Pages;

/// <summary>
/// The agencies told about an incident (Health NZ, the Privacy Commissioner, NCSC, Police, others): when, whom, and
/// their reference; recording the Privacy Commissioner stops the 72-hour clock. And the incident's contact person,
/// whom the Commissioner, practices and patients are told to contact.
/// </summary>
[Audited(AuditAction.IncidentViewed, AuditAction.IncidentUpdated)]
internal sealed class IncidentAgenciesModel(IncidentService incidents, IncidentDesk desk, AuditTrail audit, TimeProvider clock) : IncidentPage(incidents)
{
    public const int MaxName = 200;

    public IReadOnlyList<AgencyContact> Contacts { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> Names { get; private set; } = new Dictionary<Guid, string>();

    public string? ChosenAgency { get; private set; }
    public string? OtherName { get; private set; }
    public string? At { get; private set; }
    public string? ContactPerson { get; private set; }
    public string? Reference { get; private set; }

    public string? ContactName { get; private set; }
    public string? ContactEmail { get; private set; }
    public string? ContactPhone { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Message = IncidentText.DoneMessage(done);
        At = IncidentText.FormTime(clock.GetUtcNow().UtcDateTime);
        (ContactName, ContactEmail, ContactPhone) = (Incident.ContactName, Incident.ContactEmail, Incident.ContactPhone);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAgencyAsync(
        Guid id, string? agency, string? otherName, string? at, string? contactPerson, string? reference, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        (ChosenAgency, OtherName, At, ContactPerson, Reference) = (agency, otherName, at, contactPerson, reference);
        (ContactName, ContactEmail, ContactPhone) = (Incident.ContactName, Incident.ContactEmail, Incident.ContactPhone);
        var chosen = IncidentText.Agencies.FirstOrDefault(a => a.Value == agency);
        DateTime when = default;
        Problem = agency is null || chosen.Value is null ? new Problem("Choose the agency you contacted.", "agency")
            : chosen.Agency == Agency.Other && string.IsNullOrWhiteSpace(otherName) ? new Problem("Give the other agency's name.", "otherName")
            : TooLong(otherName) ? new Problem($"Keep the agency's name to {MaxName} characters or fewer.", "otherName")
            : string.IsNullOrWhiteSpace(at) ? new Problem("Say when you contacted them.", "at")
            : !IncidentText.TryReadTime(at, out when) ? new Problem("Enter when you contacted them as a date and time, for example 2026-12-01 09:00 (New Zealand time).", "at")
            : when > clock.GetUtcNow().UtcDateTime.AddMinutes(5) ? new Problem("That time is in the future. Record a contact once it has been made.", "at")
            : TooLong(contactPerson) ? new Problem($"Keep the contact person to {MaxName} characters or fewer.", "contactPerson")
            : TooLong(reference) ? new Problem($"Keep the reference to {MaxName} characters or fewer.", "reference")
            : null;
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        await Incidents.AddAgencyAsync(new AgencyContact
        {
            IncidentId = id,
            Agency = chosen.Agency,
            OtherName = chosen.Agency == Agency.Other ? otherName!.Trim() : null,
            ContactedAt = when,
            ContactPerson = Blank(contactPerson),
            Reference = Blank(reference),
            RecordedBy = Me,
        }, cancellationToken);
        return Redirect($"/operator/incidents/{id}/agencies?done=agency#agencies");
    }

    public async Task<IActionResult> OnPostContactAsync(Guid id, string? contactName, string? contactEmail, string? contactPhone, CancellationToken cancellationToken)
    {
        if (!await FindAsync(id, cancellationToken))
        {
            return NotFound();
        }
        (ContactName, ContactEmail, ContactPhone) = (contactName, contactEmail, contactPhone);
        At = IncidentText.FormTime(clock.GetUtcNow().UtcDateTime);
        var email = contactEmail?.Trim() ?? "";
        Problem = TooLong(contactName) ? new Problem($"Keep the name to {MaxName} characters or fewer.", "contactName")
            : email.Length > 256 ? new Problem("Keep the e-mail address to 256 characters or fewer.", "contactEmail")
            : email.Length > 0 && !LooksLikeEmail(email) ? new Problem("Enter the e-mail address in the form name@example.nz.", "contactEmail")
            : (contactPhone?.Trim().Length ?? 0) > 64 ? new Problem("Keep the phone number to 64 characters or fewer.", "contactPhone")
            : null;
        if (Problem is not null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        await Incidents.SetContactAsync(id, contactName, contactEmail, contactPhone, Me, cancellationToken);
        return Redirect($"/operator/incidents/{id}/agencies?done=contact#contact");
    }

    private static bool LooksLikeEmail(string email) =>
        email.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < email.Length - 1 && !email.Contains(' ', StringComparison.Ordinal);

    private static bool TooLong(string? text) => (text?.Trim().Length ?? 0) > MaxName;

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Contacts = await Incidents.AgenciesAsync(Incident.Id, cancellationToken);
        Names = await desk.NamesAsync(Contacts.Select(c => (Guid?)c.RecordedBy), cancellationToken);
        await audit.RecordStandaloneAsync(AuditAction.IncidentViewed, resourceType: "Incident", resourceId: Incident.Id, detail: "agencies and contact");
    }

    public string NameOf(Guid id) => Names.TryGetValue(id, out var name) ? name : "An operator";
}
