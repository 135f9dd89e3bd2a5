namespace Kaitiaki.Documents;

/// <summary>Every reason an upload is refused. The page without JavaScript is sent back with the reason's name.</summary>
internal enum UploadRefusal
{
    Invalid,
    NoPatient,
    NotFound,
    NoTitle,
    NoCategory,
    WrongSource,
    NoFile,
    Empty,
    TooLarge,
    QuotaFull,
    WrongType,
    ContentMismatch,
    Incomplete,
    KeysUnavailable,
    PageExpired,

    /// <summary>The title holds a line break, control, direction or invisible character (see <see cref="Web.PlainText"/>).</summary>
    TitleHiddenCharacter,

    /// <summary>The author holds a line break, control, direction or invisible character.</summary>
    AuthorHiddenCharacter,

    /// <summary>The security team has switched uploads off, for everyone or for this patient's practice.</summary>
    Paused,
}

/// <summary>Why an upload was refused, in words for the person, plus the status it answers with.</summary>
internal sealed class UploadRejectedException(UploadRefusal reason, string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
{
    public UploadRefusal Reason { get; } = reason;
    public int Status { get; } = status;
}

internal static class UploadRefusals
{
    public static string Megabytes(long maxUploadBytes) => $"{maxUploadBytes / (1024 * 1024)} MB";

    /// <summary>The words for a refusal whose message does not depend on the request.</summary>
    public static string Describe(UploadRefusal reason, long maxUploadBytes) => reason switch
    {
        UploadRefusal.NoPatient => "Say which patient the document is for (patientId).",
        UploadRefusal.NotFound => "No such patient.",
        UploadRefusal.NoTitle => "Give the document a title of up to 200 characters.",
        UploadRefusal.NoCategory => "Choose what type of document it is.",
        UploadRefusal.NoFile => "Choose a file to upload.",
        UploadRefusal.Empty => "The file you chose is empty. Please choose the file again, or check it opens on your device.",
        UploadRefusal.TooLarge => $"The file is larger than the limit of {Megabytes(maxUploadBytes)}. Nothing was saved.",
        UploadRefusal.QuotaFull => "There isn't enough room left in this patient's document storage. Delete documents that are no longer needed, or ask the practice for help.",
        UploadRefusal.WrongType => "Kaitiaki accepts PDF documents, JPEG and PNG images, and plain text files.",
        UploadRefusal.ContentMismatch => "The file's content doesn't match its type. Please upload a genuine PDF, JPEG, PNG or text file.",
        UploadRefusal.Incomplete => "The upload was cut off before it finished, so nothing was saved. Please try again.",
        UploadRefusal.KeysUnavailable => "Documents can't be added right now because the encryption key isn't available. Nothing was saved; please try again later.",
        UploadRefusal.PageExpired => "The page's security token has expired. Reload the page and try again.",
        UploadRefusal.TitleHiddenCharacter => HiddenCharacterMessage("title"),
        UploadRefusal.AuthorHiddenCharacter => HiddenCharacterMessage("author"),
        UploadRefusal.Paused => Security.KillSwitches.Find("documents.upload")!.Message,
        _ => "The upload couldn't be read. Nothing was saved; please try again.",
    };

    // The plain form is sent back with the reason only, so its words cover every kind; the API names the kind.
    private static string HiddenCharacterMessage(string field) =>
        $"The {field} has a hidden character in it, such as a line break or a mark that changes the direction of the text. " +
        $"Please type the {field} again. Nothing was saved.";

    /// <summary>The refusal for a title or author that holds a character <see cref="Web.PlainText"/> refuses, naming what it is.</summary>
    public static UploadRejectedException HiddenCharacterIn(UploadRefusal reason, Web.HiddenCharacter kind) =>
        new(reason, Web.PlainText.Describe(kind, reason == UploadRefusal.TitleHiddenCharacter ? "The title" : "The author") + " Nothing was saved.");

    public static UploadRejectedException Refuse(UploadRefusal reason, long maxUploadBytes, int status = StatusCodes.Status400BadRequest) =>
        new(reason, Describe(reason, maxUploadBytes), status);

    /// <summary>The form field that a refusal is about, for the page's error summary to link to.</summary>
    public static string Field(UploadRefusal reason) => reason switch
    {
        UploadRefusal.NoTitle or UploadRefusal.TitleHiddenCharacter => "title",
        UploadRefusal.NoCategory => "category",
        _ => "file",
    };
}
