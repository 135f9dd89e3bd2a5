namespace Kaitiaki.Web;

/// <summary>What went wrong with a form, for the page's error summary: the message and the id of the field to fix.</summary>
internal sealed record Problem(string Message, string? Field = null, string Heading = "There is a problem");
