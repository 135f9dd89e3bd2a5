using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace Kaitiaki.Incidents.Pages;

/// <summary>How each security state reads and looks on the patient's pages. The words carry the meaning; the colours only repeat it.</summary>
internal static class StatusWords
{
    public static string Tag(SecurityState state) => state switch
    {
        SecurityState.Impacted => "Impacted",
        SecurityState.UnderReview => "Under review",
        SecurityState.NotImpacted => "No impact",
        _ => "No incident",
    };

    public static string TagClass(SecurityState state) => state switch
    {
        SecurityState.Impacted => "govuk-tag govuk-tag--red",
        SecurityState.UnderReview => "govuk-tag govuk-tag--orange",
        SecurityState.NotImpacted => "govuk-tag govuk-tag--green",
        _ => "govuk-tag govuk-tag--grey",
    };

    /// <summary>The notification banner's colour: red, amber, or govuk-frontend's green success banner.</summary>
    public static string BannerClass(SecurityState state) => state switch
    {
        SecurityState.Impacted => "govuk-notification-banner kt-status-banner--impacted",
        SecurityState.UnderReview => "govuk-notification-banner kt-status-banner--under-review",
        _ => "govuk-notification-banner govuk-notification-banner--success",
    };

    /// <summary>A phone number as a <c>tel:</c> address: its digits and a leading plus only.</summary>
    public static string Tel(string number) => "tel:" + new string(number.Where(c => char.IsAsciiDigit(c) || c == '+').ToArray());

    /// <summary>A link on the screen; on paper, where there is nothing to click, its words and where to find it.</summary>
    public static IHtmlContent Link(bool forPrint, string href, string text, string onPaper)
    {
        if (forPrint)
        {
            return new HtmlContentBuilder().Append($"{text} ({onPaper})");
        }
        var link = new TagBuilder("a");
        link.AddCssClass("govuk-link");
        link.Attributes["href"] = href;
        link.InnerHtml.Append(text);
        return link;
    }

    /// <summary>The helpline number in bold: on the screen a <c>tel:</c> link a phone can call.</summary>
    public static IHtmlContent Helpline(bool forPrint, string number)
    {
        var bold = new TagBuilder("strong");
        bold.InnerHtml.Append(number);
        if (forPrint)
        {
            return bold;
        }
        var link = new TagBuilder("a");
        link.AddCssClass("govuk-link");
        link.Attributes["href"] = Tel(number);
        link.InnerHtml.AppendHtml(bold);
        return link;
    }
}
