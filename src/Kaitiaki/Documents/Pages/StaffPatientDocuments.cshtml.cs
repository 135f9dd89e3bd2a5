using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents.Pages;

/// <summary>A clinician's view of one patient's documents. The patient id in the address is only a request: the access policy decides.</summary>
[Authorize(Policy = AccountsSetup.StaffPolicy)]
[Audited(AuditAction.DocumentListed, AuditAction.DocumentAccessDenied)]
internal sealed class StaffPatientDocumentsModel(KaitiakiDb db, DocumentService documents, KaitiakiOptions options) : PageModel
{
    public Guid PatientId { get; private set; }
    public string PatientName { get; private set; } = "";
    public List<DocumentSummary> Documents { get; private set; } = [];
    public string? Message { get; private set; }
    public Web.Problem? Problem { get; private set; }
    public string MaxUpload => UploadRefusals.Megabytes(options.Documents.MaxUploadBytes);

    public async Task<IActionResult> OnGetAsync(Guid patientId, string? done, UploadRefusal? upload, CancellationToken cancellationToken)
    {
        Message = done == "uploaded" ? "The document has been shared with the patient." : null;
        if (upload is { } refusal)
        {
            Problem = new(UploadRefusals.Describe(refusal, options.Documents.MaxUploadBytes), UploadRefusals.Field(refusal), "The document was not shared");
        }
        var list = await documents.ListAsync(User.AccountId()!.Value, patientId, includeHidden: true, cancellationToken);
        if (list is null)
        {
            return NotFound();
        }
        PatientId = patientId;
        Documents = list;
        PatientName = await db.Patients.Where(p => p.Id == patientId).Select(p => p.GivenName + " " + p.FamilyName).FirstAsync(cancellationToken);
        return Page();
    }
}
