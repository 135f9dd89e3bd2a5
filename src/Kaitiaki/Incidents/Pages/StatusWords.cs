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
}
