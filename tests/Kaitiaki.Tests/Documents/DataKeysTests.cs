using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Kaitiaki.Documents;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

/// <summary>
/// Data keys unwrapped for downloads are remembered for a short while: until the access revision moves, and only for
/// the wrapped key they were unwrapped from.
/// </summary>
public sealed class DataKeysTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync();

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_data_key_is_remembered_until_the_access_revision_moves()
    {
        var (_, ids) = await PatientWithDocumentsAsync(1);
        var document = await DocumentAsync(ids[0]);
        var dataKeys = _portal.Services.GetRequiredService<DataKeys>();
        var masterKeys = _portal.Services.GetRequiredService<MasterKeys>();

        var first = dataKeys.UnwrapForReading(document);
        Assert.Equal(masterKeys.Unwrap(document.KekId, document.WrappedKey!), first);
        Assert.Same(first, dataKeys.UnwrapForReading(document));

        var revisions = _portal.Services.GetRequiredService<AccessRevisions>();
        revisions.Observe(revisions.Known + 1);

        var again = dataKeys.UnwrapForReading(document);
        Assert.NotSame(first, again);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task A_remembered_key_answers_only_for_the_wrapped_key_it_came_from()
    {
        var (_, ids) = await PatientWithDocumentsAsync(2);
        var document = await DocumentAsync(ids[0]);
        var other = await DocumentAsync(ids[1]);
        var dataKeys = _portal.Services.GetRequiredService<DataKeys>();
        var masterKeys = _portal.Services.GetRequiredService<MasterKeys>();
        var own = dataKeys.UnwrapForReading(document);

        // Another document's wrapped key on this row (a swap) unwraps to that document's key, never this one's.
        document.WrappedKey = other.WrappedKey;
        var swapped = dataKeys.UnwrapForReading(document);
        Assert.Equal(masterKeys.Unwrap(other.KekId, other.WrappedKey!), swapped);
        Assert.NotEqual(own, swapped);

        // An altered wrapped key fails to unwrap, though this document's key is remembered.
        var altered = other.WrappedKey!.ToArray();
        altered[^1] ^= 1;
        document.WrappedKey = altered;
        Assert.ThrowsAny<CryptographicException>(() => dataKeys.UnwrapForReading(document));
    }

    [Fact]
    public async Task Documents_read_before_a_key_rotation_still_open_after_the_old_key_is_retired()
    {
        var (client, ids) = await PatientWithDocumentsAsync(3);
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

    private async Task<(HttpClient Client, List<Guid> Ids)> PatientWithDocumentsAsync(int count)
    {
        var patient = await _portal.CreatePatientAsync(await _portal.CreatePracticeAsync());
        var client = await _portal.SignInApiAsync(patient);
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var created = await TestPortal.UploadAsync(client, TestPortal.Pdf(20_000, seed: i + 1));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        return (client, ids);
    }

    private Task<HealthDocument> DocumentAsync(Guid id) =>
        _portal.WithScopeAsync(sp => sp.GetRequiredService<KaitiakiDb>().Documents.AsNoTracking().SingleAsync(d => d.Id == id));
}
