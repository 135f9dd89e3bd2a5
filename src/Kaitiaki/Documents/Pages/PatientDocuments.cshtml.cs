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

internal sealed record Person(Guid Id, string Name);

[Authorize(Policy = AccountsSetup.PatientPolicy)]
[Audited(AuditAction.DocumentListed, AuditAction.DocumentDeleted, AuditAction.DocumentHidden, AuditAction.DocumentUnhidden, AuditAction.DocumentAccessDenied,
    AuditAction.PasswordConfirmationFailed, AuditAction.PasswordConfirmationRefused)]
internal sealed class PatientDocumentsModel(KaitiakiDb db, DocumentService documents, PatientAccess access, PasswordConfirmation passwords, KaitiakiOptions options) : PageModel
{
    public Guid PatientId { get; private set; }
    public List<Person> People { get; private set; } = [];
    public List<DocumentSummary> Documents { get; private set; } = [];
    public DocumentSummary? ConfirmDelete { get; private set; }
    public bool IncludeHidden { get; private set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }
    public int GraceDays => options.Documents.DeleteGraceDays;
    public long MaxUploadMegabytes => options.Documents.MaxUploadBytes / (1024 * 1024);

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} bytes",
        < 1024 * 1024 => $"{bytes / 1024.0:0} kB",
        _ => $"{bytes / (1024.0 * 1024):0.0} MB",
    };

    public async Task<IActionResult> OnGetAsync(Guid? patientId, Guid? confirmDelete, bool includeHidden, CancellationToken cancellationToken)
    {
        IncludeHidden = includeHidden;
        if (!await LoadAsync(patientId, cancellationToken))
        {
            return NotFound();
        }
        ConfirmDelete = confirmDelete is { } id ? Documents.FirstOrDefault(d => d.Id == id && d.CanDelete) : null;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, Guid? patientId, string? password, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var account = await db.Users.FirstAsync(a => a.Id == accountId, cancellationToken);
        var check = await passwords.ConfirmAsync(account, password, "delete document", cancellationToken);
        if (check == PasswordCheck.Wrong)
        {
            Error = "That password isn't right, so the document was not deleted.";
        }
        else if (check == PasswordCheck.Paused)
        {
            Error = PasswordConfirmation.PausedMessage + " The document was not deleted.";
        }
        else
        {
            switch (await documents.DeleteAsync(account.Id, id, cancellationToken))
            {
                case ChangeOutcome.Done:
                    Message = "The document has been deleted.";
                    break;
                case ChangeOutcome.NotAllowed:
                    Error = "Only documents you added can be deleted. You can hide documents from your practice instead.";
                    break;
                default:
                    return NotFound();
            }
        }
        return await LoadAsync(patientId, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostHideAsync(Guid id, Guid? patientId, bool hide, CancellationToken cancellationToken)
    {
        var outcome = await documents.SetHiddenAsync(User.AccountId()!.Value, id, hide, cancellationToken);
        if (outcome == ChangeOutcome.NotFound)
        {
            return NotFound();
        }
        Message = hide ? "The document is hidden from your list. Choose \"Include hidden documents\" to see it again." : "The document is back in your list.";
        return await LoadAsync(patientId, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>The people whose documents this account can see as a patient: themselves and anyone they're a proxy for.</summary>
    private async Task<bool> LoadAsync(Guid? patientId, CancellationToken cancellationToken)
    {
        var accountId = User.AccountId()!.Value;
        var readable = access.PatientSideIds(accountId);
        var own = access.OwnPatientId(accountId);
        People = await db.Patients.Where(p => readable.Contains(p.Id))
            .OrderBy(p => own.Any(id => id == p.Id) ? 0 : 1)
            .ThenBy(p => p.GivenName)
            .Select(p => new Person(p.Id, p.GivenName + " " + p.FamilyName))
            .ToListAsync(cancellationToken);
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
