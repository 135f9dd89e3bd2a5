using Kaitiaki.Notifications;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Notifications;

/// <summary>The durable outbox: one message per purpose, channel and recipient, bad input refused, templates whole.</summary>
[Trait("Category", "Integration")]
public sealed class OutboxTests(SharedPortal shared) : IClassFixture<SharedPortal>
{
    private readonly TestPortal _portal = shared.Portal;

    private static readonly Dictionary<string, string> Values = new() { ["Name"] = "Aroha", ["Code"] = "123456", ["Minutes"] = "10" };

    [Fact]
    public async Task A_message_queued_twice_for_the_same_purpose_is_written_and_sent_once()
    {
        var address = $"twice-{Guid.NewGuid():N}@example.nz";
        var purpose = $"test/{Guid.NewGuid()}";
        await _portal.WithScopeAsync(async sp =>
        {
            var outbox = sp.GetRequiredService<Kaitiaki.Notifications.Outbox>();
            Assert.NotNull(await outbox.EmailAsync(purpose, address, "sign-in-code", Values, CancellationToken.None));
            Assert.Null(await outbox.EmailAsync(purpose, address, "sign-in-code", Values, CancellationToken.None));
            await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
            return 0;
        });
        await _portal.WithScopeAsync(async sp =>
        {
            Assert.Null(await sp.GetRequiredService<Kaitiaki.Notifications.Outbox>().EmailAsync(purpose, address, "sign-in-code", Values, CancellationToken.None));
            return 0;
        });
        await _portal.MailSentAsync();

        var body = Assert.Single(await Kaitiaki.Tests.Support.Outbox.BodiesToAsync(_portal.DataDirectory, address));
        Assert.Contains("Your sign-in code is 123456", body, StringComparison.Ordinal);
        var stored = await _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().OutboxMessages.AsNoTracking().SingleAsync(m => m.Recipient == address));
        Assert.Equal(DeliveryState.Sent, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.DoesNotContain("123456", stored.ProtectedBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Email", "not an address")]
    [InlineData("Email", "Two <a@example.nz>, b@example.nz")]
    [InlineData("Sms", "021 123")]
    [InlineData("Sms", "abc")]
    public async Task A_recipient_that_is_not_one_plain_address_or_number_is_refused_and_nothing_is_queued(string channelName, string recipient)
    {
        var channel = Enum.Parse<NotificationChannel>(channelName);
        var purpose = $"test/{Guid.NewGuid()}";
        await _portal.WithScopeAsync(async sp =>
        {
            var failure = await Assert.ThrowsAsync<ArgumentException>(() =>
                sp.GetRequiredService<Kaitiaki.Notifications.Outbox>().QueueAsync(purpose, channel, recipient, "sign-in-code", Values, null, CancellationToken.None));
            Assert.DoesNotContain(recipient, failure.Message, StringComparison.Ordinal);
            Assert.False(sp.GetRequiredService<KaitiakiDb>().ChangeTracker.HasChanges());
            return 0;
        });
    }

    [Fact]
    public async Task A_text_message_goes_to_the_file_sink_with_the_same_words()
    {
        var purpose = $"test/{Guid.NewGuid()}";
        await _portal.WithScopeAsync(async sp =>
        {
            Assert.NotNull(await sp.GetRequiredService<Kaitiaki.Notifications.Outbox>().QueueAsync(purpose, NotificationChannel.Sms, "+64 21 555 0123", "sign-in-code", Values, null, CancellationToken.None));
            await sp.GetRequiredService<KaitiakiDb>().SaveChangesAsync();
            return 0;
        });
        await _portal.MailSentAsync();
        var texts = Directory.GetFiles(Path.Combine(_portal.DataDirectory, "outbox", "sms"), "*.txt").Select(File.ReadAllText).ToList();
        Assert.Contains(texts, t => t.StartsWith("To: +64215550123", StringComparison.Ordinal) && t.Contains("Your sign-in code is 123456", StringComparison.Ordinal));
    }

    [Fact]
    public void A_template_asked_for_a_missing_value_or_given_an_unknown_one_refuses_to_render()
    {
        var templates = new NotificationTemplates();
        Assert.Contains("sign-in-code", templates.Names);
        Assert.Contains("{Code}", Assert.Throws<InvalidOperationException>(() =>
            templates.Render("sign-in-code", new Dictionary<string, string> { ["Name"] = "A", ["Minutes"] = "10" })).Message, StringComparison.Ordinal);
        Assert.Contains("{Extra}", Assert.Throws<InvalidOperationException>(() =>
            templates.Render("sign-in-code", new Dictionary<string, string>(Values) { ["Extra"] = "x" })).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => templates.Render("no-such-template", Values));
    }

    [Fact]
    public void Every_security_notice_kind_has_its_template()
    {
        var templates = new NotificationTemplates();
        foreach (var kind in Enum.GetValues<Kaitiaki.Accounts.SecurityNoticeKind>())
        {
            var text = templates.Render(Kaitiaki.Accounts.SecurityNotices.TemplateOf(kind), new Dictionary<string, string> { ["Name"] = "Aroha" });
            Assert.StartsWith("Kia ora Aroha,", text.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("http", text.Body, StringComparison.OrdinalIgnoreCase);
        }
    }
}
