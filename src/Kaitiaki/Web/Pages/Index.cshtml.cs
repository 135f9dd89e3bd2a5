using Kaitiaki.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Web.Pages;

[AllowAnonymous]
[NoPatientData]
internal sealed class IndexModel : PageModel
{
    public IActionResult OnGet()
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return Page();
        }
        if (User.IsInRole(Roles.Patient))
        {
            return Redirect("/patient");
        }
        if (User.IsInRole(Roles.Clinician) || User.IsInRole(Roles.PracticeAdministrator) || User.IsInRole(Roles.PrivacyOfficer))
        {
            return Redirect("/practice");
        }
        if (User.IsInRole(Roles.SecurityAnalyst) || User.IsInRole(Roles.IncidentManager) || User.IsInRole(Roles.SupportAgent))
        {
            return Redirect("/operator");
        }
        return Redirect("/account/security");
    }
}
