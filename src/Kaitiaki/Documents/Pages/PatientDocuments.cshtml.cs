using Kaitiaki.Accounts;
using Kaitiaki.Audit;
using Kaitiaki.Practices;
using Kaitiaki.Storage;
using Kaitiaki.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Kaitiaki.Documents.Pages;

[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.DocumentListed, AuditAction.DocumentDeleted, AuditAction.DocumentHidden, AuditAction.DocumentUnhidden, AuditAction.DocumentAccessDenied,
    AuditAction.PasswordConfirmationFailed, AuditAction.PasswordConfirmationRefused)]
internal sealed class PatientDocumentsModel(KaitiakiDb db, DocumentService documents, PatientAccess access, PasswordConfirmation passwords, KaitiakiOptions options) : PageModel
{
    public Guid PatientId { get; private set; }
    public List<PatientSidePerson> People { get; private set; } = [];
    public List<DocumentSummary> Documents { get; private set; } = [];
    public DocumentSummary? ConfirmDelete { get; private set; }
    public bool IncludeHidden { get; private set; }
    public string? Message { get; private set; }
    public Web.Problem? Problem { get; private set; }
    public int GraceDays => options.Documents.DeleteGraceDays;
    public string MaxUpload => UploadRefusals.Megabytes(options.Documents.MaxUploadBytes);
    public string PersonName => People.FirstOrDefault(p => p.Id == PatientId)?.Name ?? "";

    /// <summary>What each finished change says once the browser has been sent back here, so a refresh does not repeat it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Confirmations = new Dictionary<string, string>
    {
        ["uploaded"] = "Your document has been added.",
        ["deleted"] = "The document has been deleted.",
        ["hidden"] = "The document is hidden from your list. Choose \"Include hidden documents\" to see it again.",
        ["shown"] = "The document is back in your list.",
    };

    public async Task<IActionResult> OnGetAsync(Guid? patientId, Guid? confirmDelete, bool includeHidden, string? done, UploadRefusal? upload, CancellationToken cancellationToken)
    {
        IncludeHidden = includeHidden;
        if (!await LoadAsync(patientId, cancellationToken))
        {
            return NotFound();
        }
        ConfirmDelete = confirmDelete is { } id ? Documents.FirstOrDefault(d => d.Id == id && d.CanDelete) : null;
        Message = done is not null ? Confirmations.GetValueOrDefault(done) : null;
        if (upload is { } refusal)
        {
            Problem = new(UploadRefusals.Describe(refusal, options.Documents.MaxUploadBytes), UploadRefusals.Field(refusal), "Your document was not added");
        }
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, Guid? patientId, string? password, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var account = await db.Users.FirstAsync(a => a.Id == accountId, cancellationToken);
        var check = await passwords.ConfirmAsync(account, password, "delete document", cancellationToken);
        if (check == PasswordCheck.Wrong)
        {
            Problem = new("That password isn't right, so the document was not deleted.", "delete-password");
        }
        else if (check == PasswordCheck.Paused)
        {
            Problem = new(PasswordConfirmation.PausedMessage + " The document was not deleted.");
        }
        else
        {
            switch (await documents.DeleteAsync(account.Id, id, cancellationToken))
            {
                case ChangeOutcome.Done:
                    return RedirectToPage(new { patientId, done = "deleted" });
                case ChangeOutcome.NotAllowed:
                    Problem = new("Only documents you added can be deleted. You can hide documents from your practice instead.");
                    break;
                default:
                    return NotFound();
            }
        }
        if (!await LoadAsync(patientId, cancellationToken))
        {
            return NotFound();
        }
        // A wrong password keeps the question open, so the person can try again where they were.
        ConfirmDelete = Problem?.Field is not null ? Documents.FirstOrDefault(d => d.Id == id && d.CanDelete) : null;
        return Page();
    }

    public async Task<IActionResult> OnPostHideAsync(Guid id, Guid? patientId, bool hide, CancellationToken cancellationToken)
    {
        var outcome = await documents.SetHiddenAsync(User.AccountId()!.Value, id, hide, cancellationToken);
        if (outcome == ChangeOutcome.NotFound)
        {
            return NotFound();
        }
        return RedirectToPage(new { patientId, done = hide ? "hidden" : "shown" });
    }

    /// <summary>The people whose documents this account can see as a patient: themselves and anyone they're a proxy for.</summary>
    private async Task<bool> LoadAsync(Guid? patientId, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        People = await access.PatientSidePeopleAsync(accountId, cancellationToken);
        if (People.Count == 0)
        {
            return false;
        }
        PatientId = patientId ?? People[0].Id;
        var list = await documents.ListAsync(accountId, PatientId, IncludeHidden, cancellationToken);
        if (list is null)
        {
            return false;
        }
        Documents = list;
        return true;
    }
}
