using Kaitiaki.Web;

namespace Kaitiaki.Incidents;

/// <summary>One part of a call script: a heading for the agent and the lines to say.</summary>
internal sealed record ScriptPart(string Heading, IReadOnlyList<string> Lines);

/// <summary>
/// What a helpline agent sees and says for each status, in plain New Zealand English spoken to the caller. Only the
/// status, counts and dates reach it: never a document's title, category or anything else from a record. Nothing
/// names a suspected holder of the information (Privacy Act s117(3)).
/// </summary>
internal static class HelplineScript
{
    private const string Breach = "Some documents held in Kaitiaki were accessed by someone who should not have seen them.";

    /// <summary>The status in words for the agent, and the tag that shows it (the words are the meaning; the colour only helps).</summary>
    public static (string Words, string Tag) Status(HelplineCaller caller) => caller switch
    {
        { PracticeLeadsContact: true } => ("Their practice will contact them", "govuk-tag govuk-tag--purple"),
        _ => caller.Status.State switch
        {
            SecurityState.Impacted => ("Impacted", "govuk-tag govuk-tag--red"),
            SecurityState.UnderReview => ("Under review", "govuk-tag govuk-tag--yellow"),
            SecurityState.NotImpacted => ("Not impacted", "govuk-tag govuk-tag--green"),
            _ => ("No incident", "govuk-tag govuk-tag--grey"),
        },
    };

    /// <summary>Words for a status the agent logged, as <see cref="SecurityStatus.ApiName"/> spells it.</summary>
    public static string Logged(string apiName) => apiName switch
    {
        "impacted" => "Impacted",
        "under-review" => "Under review",
        "not-impacted" => "Not impacted",
        _ => "No incident",
    };

    /// <summary>The documents a frozen version found, in counts and New Zealand dates only.</summary>
    public static string Documents(SecurityStatus status)
    {
        var all = status.Documents.Count;
        var content = status.Documents.Count(d => d.Disclosure == Disclosure.Content);
        var metadata = all - content;
        return (content, metadata) switch
        {
            (0, _) => $"{Count(metadata, "document")}: only the details (title, date and size) were seen",
            (_, 0) => $"{Count(content, "document")}: the document itself was opened or downloaded",
            _ => $"{Count(all, "document")}: {content} opened or downloaded; for {metadata}, only the details (title, date and size) were seen",
        };
    }

    public static string When(SecurityStatus status)
    {
        var first = status.Documents.Min(d => d.AccessedAt);
        var last = status.Documents.Max(d => d.AccessedAt);
        return NzTime.Date(first) == NzTime.Date(last) ? $"on {NzTime.Date(first)}" : $"between {NzTime.Date(first)} and {NzTime.Date(last)}";
    }

    public static IReadOnlyList<ScriptPart> For(HelplineCaller caller, string helplineNumber)
    {
        var parts = caller switch
        {
            { PracticeLeadsContact: true } => new List<ScriptPart>
            {
                new("What happened", [Breach, "Your practice would like to talk with you about this themselves."]),
                new("What we're doing", ["Your practice will be in touch with you soon. You're welcome to call them first if you'd rather."]),
                new("What you can do", ["Your practice is the best place for your questions about this. They know you, and they can talk it through with you."]),
            },
            _ => caller.Status.State switch
            {
                SecurityState.Impacted => Impacted(caller.Status),
                SecurityState.UnderReview => new List<ScriptPart>
                {
                    new("What happened", [Breach,
                        "We're still working out exactly whose documents were involved, and yours may be among them. We don't know yet, and we won't guess."]),
                    new("What we're doing", ["We stopped the access, and we're checking our record of every access, one at a time.",
                        "When we're sure, we'll tell you in writing, whether or not your documents were involved."]),
                    new("What you can do", ["You don't need to do anything right now.",
                        "If you'd like to talk with someone about your health information, your practice can help."]),
                },
                SecurityState.NotImpacted => new List<ScriptPart>
                {
                    new("What happened", [Breach, "We've checked our record of every access, and none of your documents were involved."]),
                    new("What we're doing", ["We stopped the access, and we're contacting the people whose documents were involved."]),
                    new("What you can do", ["You don't need to do anything.",
                        "If you get a message saying your documents were involved, please check it with us before you do anything it asks."]),
                },
                _ => new List<ScriptPart>
                {
                    new("What happened", ["We haven't found anything that affects your records. There's no breach involving your documents that we know of."]),
                    new("What we're doing", ["Kaitiaki checks every access to records, and we would tell you in writing if anything affected yours."]),
                    new("What you can do", ["If you've had a message saying your records were involved, it may not be from us. Please don't click any links in it, and tell us what it says."]),
                },
            },
        };
        parts.Add(new ScriptPart("Staying safe",
        [
            "Kaitiaki will never send you a link, or ask for your password or a sign-in code, by e-mail, text message or phone.",
            "If a message about this asks for those, please don't click anything or reply. Call us instead.",
        ]));
        parts.Add(new ScriptPart("Getting more help", [$"If you think of anything else, you can call us on {helplineNumber}."]));
        return parts;
    }

    private static List<ScriptPart> Impacted(SecurityStatus status)
    {
        var all = status.Documents.Count;
        var content = status.Documents.Count(d => d.Disclosure == Disclosure.Content);
        var seen = (content, all - content) switch
        {
            (0, _) => all == 1
                ? "Only its details, like the title, date and size, were seen, not what it says."
                : "Only their details, like the title, date and size, were seen, not what they say.",
            (_, 0) => all == 1 ? "The document itself was opened or downloaded." : "The documents themselves were opened or downloaded.",
            var (c, m) => $"{Count(c, "document")} {(c == 1 ? "was" : "were")} opened or downloaded. For the other {m}, only details like the title, date and size were seen.",
        };
        return
        [
            new("What happened", [Breach, $"Our checks show that {Count(all, "of your documents", "of your documents")} {(all == 1 ? "was" : "were")} involved, {When(status)}.", seen]),
            new("What we're doing", ["We stopped the access as soon as we found it, and we're working with your practice.",
                "We'll send you a written notice with the details. It carries a verification phrase, so you can tell it's really from us."]),
            new("What you can do", ["Your practice can talk with you about what was in your documents and anything that worries you.",
                "You have the right to complain to the Privacy Commissioner, at privacy.org.nz."]),
        ];
    }

    private static string Count(int n, string one, string? many = null) => n == 1 ? $"1 {one}" : $"{n} {many ?? one + "s"}";
}
