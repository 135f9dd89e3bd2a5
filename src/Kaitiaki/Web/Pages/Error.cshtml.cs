using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kaitiaki.Web.Pages;

/// <summary>
/// The page a browser sees for an error answer that has no body of its own (an unknown address, a refusal, too many
/// requests), in place of problem details. The status code stays the one the request earned.
/// </summary>
[AllowAnonymous]
[NoPatientData]
[Microsoft.AspNetCore.Mvc.IgnoreAntiforgeryToken]
internal sealed class ErrorModel : PageModel
{
    public string Heading { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    public void OnGet(int status) => Describe(status);

    // A re-executed POST (a form sent to an address that does not exist) arrives here as a POST.
    public void OnPost(int status) => Describe(status);

    private void Describe(int status)
    {
        (Heading, Explanation) = status switch
        {
            StatusCodes.Status404NotFound => ("Page not found",
                "There's nothing at this address. If you typed it, please check it. If you followed a link, it may be out of date."),
            StatusCodes.Status403Forbidden => ("This page isn't available to you", "Your account doesn't have access to this page."),
            StatusCodes.Status429TooManyRequests => ("Please wait a moment",
                "There have been a lot of requests from here in a short time. Please wait a minute, then try again."),
            StatusCodes.Status400BadRequest => ("Please try again",
                "The page couldn't be read as sent. This can happen when a page has been open for a long time. Go back, reload the page and try again."),
            _ => ("Something went wrong", "Kaitiaki couldn't finish that just now. Nothing you sent has been lost or half-saved. Please try again in a few minutes."),
        };
        // A refusal that brought its own words (a paused download, a paused account) says them instead.
        if (HttpContext.Features.Get<RefusalAnswer>() is { } answer)
        {
            (Heading, Explanation) = (answer.Title, answer.Message);
        }
        // Only a re-executed error reaches this page with an error status; someone opening /error/404 directly is told the same.
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is null)
        {
            Response.StatusCode = status is >= 400 and < 600 ? status : StatusCodes.Status404NotFound;
        }
    }
}
