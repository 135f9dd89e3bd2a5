using System.Net;
using System.Security.Cryptography;
using Kaitiaki.Documents;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// Data keys unwrapped for downloads are remembered for a short while: until the access revision moves or a minute has
/// passed, and only for the wrapped key they were unwrapped from. A dropped key is cleared from memory.
/// </summary>
public sealed class DataKeysTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_data_key_is_remembered_and_each_caller_gets_a_copy_of_its_own()
    {
        var (dataKeys, remembered, revisions, document, expected) = await OneDocumentAsync();

        var first = dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known);
        Assert.Equal(expected, first);
        Assert.True(remembered.TryGet(document.Id, out var entry, out _));
        Assert.Equal(expected, entry.CopyDataKey());

        // Clearing a key after use, as callers do, leaves the remembered one whole.
        Array.Clear(first);
        Assert.Equal(expected, dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known));
    }

    [Fact]
    public async Task A_remembered_key_is_dropped_and_cleared_when_the_access_revision_moves()
    {
        var (dataKeys, remembered, revisions, document, expected) = await OneDocumentAsync();
        dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known);
        Assert.True(remembered.TryGet(document.Id, out var entry, out _));

        revisions.Observe(revisions.Known + 1);

        Assert.False(remembered.TryGet(document.Id, out _, out _));
        Assert.Null(entry.CopyDataKey());
        Assert.Equal(expected, dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known));
    }

    [Fact]
    public async Task A_remembered_key_nobody_asks_for_again_is_cleared_by_the_sweep_after_its_minute()
    {
        var (dataKeys, remembered, revisions, document, _) = await OneDocumentAsync();
        dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known);
        Assert.True(remembered.TryGet(document.Id, out var entry, out _));

        remembered.Sweep();
        Assert.NotNull(entry.CopyDataKey());

        _portal.Clock.Advance(TimeSpan.FromSeconds(61));
        remembered.Sweep();
        Assert.Null(entry.CopyDataKey());
    }

    [Fact]
    public async Task A_key_unwrapped_from_a_row_read_before_the_newest_revision_is_not_remembered_as_current()
    {
        var (dataKeys, remembered, revisions, document, expected) = await OneDocumentAsync();
        revisions.Observe(revisions.Known + 1);

        Assert.Equal(expected, dataKeys.UnwrapForReading(DocumentForReading.From(document), revisions.Known - 1));

        Assert.False(remembered.TryGet(document.Id, out _, out _));
    }

    [Fact]
    public async Task A_remembered_key_answers_only_for_the_wrapped_key_it_came_from()
    {
        var (_, _, ids) = await _portal.PatientWithDocumentsAsync(2);
        var document = await DocumentAsync(ids[0]);
        var other = await DocumentAsync(ids[1]);
        var dataKeys = _portal.Services.GetRequiredService<DataKeys>();
        var masterKeys = _portal.Services.GetRequiredService<MasterKeys>();
        var revision = _portal.Services.GetRequiredService<AccessRevisions>().Known;
        var own = dataKeys.UnwrapForReading(DocumentForReading.From(document), revision);

        // Another document's wrapped key on this row (a swap) unwraps to that document's key, never to the one remembered
        // for this row.
        document.WrappedKey = other.WrappedKey;
        var swapped = dataKeys.UnwrapForReading(DocumentForReading.From(document), revision);
        Assert.Equal(masterKeys.Unwrap(other.KekId, other.WrappedKey!), swapped);
        Assert.NotEqual(own, swapped);

        // An altered wrapped key is unwrapped afresh, and fails.
        var altered = other.WrappedKey!.ToArray();
        altered[^1] ^= 1;
        document.WrappedKey = altered;
        Assert.ThrowsAny<CryptographicException>(() => dataKeys.UnwrapForReading(DocumentForReading.From(document), revision));
    }

    [Fact]
    public async Task Documents_read_just_before_a_key_rotation_still_open_after_the_old_key_is_retired()
    {
        var (_, client, ids) = await _portal.PatientWithDocumentsAsync(3);
        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{id}/content")).StatusCode);
        }

        var (rewrapped, retired) = await _portal.WithScopeAsync(async sp =>
        {
            sp.GetRequiredService<MasterKeys>().Rotate();
            return await sp.GetRequiredService<KeyRotation>().RotateAsync(null, CancellationToken.None);
        });
        Assert.Equal(3, rewrapped);
        Assert.Single(retired);

        foreach (var id in ids)
        {
            var response = await client.GetAsync($"/api/v1/documents/{id}/content");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("%PDF", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private async Task<(DataKeys DataKeys, AccessCache<Guid, DataKeys.Unwrapped> Remembered, AccessRevisions Revisions, HealthDocument Document, byte[] Expected)> OneDocumentAsync()
    {
        var (_, _, ids) = await _portal.PatientWithDocumentsAsync(1);
        var document = await DocumentAsync(ids[0]);
        var expected = _portal.Services.GetRequiredService<MasterKeys>().Unwrap(document.KekId, document.WrappedKey!);
        return (_portal.Services.GetRequiredService<DataKeys>(), _portal.Services.GetRequiredService<AccessCache<Guid, DataKeys.Unwrapped>>(),
            _portal.Services.GetRequiredService<AccessRevisions>(), document, expected);
    }

    private Task<HealthDocument> DocumentAsync(Guid id) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.AsNoTracking().SingleAsync(d => d.Id == id));
}
