using System.Net;
using Kaitiaki.Audit;
using Kaitiaki.Documents;
using Kaitiaki.Storage;
using Kaitiaki.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Documents;

[Trait("Category", "Integration")]
public sealed class DocumentMaintenanceTests : IAsyncLifetime
{
    private TestPortal _portal = null!;

    public async Task InitializeAsync() => _portal = await TestPortal.StartAsync(settings: new Dictionary<string, string>
    {
        ["Kaitiaki:Documents:DeleteGraceDays"] = "30",
        ["Kaitiaki:Documents:RetentionDays:patient.photo"] = "365",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private Task<T> InScope<T>(Func<IServiceProvider, Task<T>> work) => _portal.WithScopeAsync(work);

    [Fact]
    public async Task Deleted_documents_are_shredded_only_after_the_grace_period_and_each_shred_is_audited()
    {
        var (_, client, ids) = await _portal.PatientWithDocumentsAsync(2);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/documents/{ids[0]}")).StatusCode);

        Assert.Equal(0, await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().PurgeAsync(null, CancellationToken.None)));
        _portal.Clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().PurgeAsync(null, CancellationToken.None)));

        await InScope(async sp =>
        {
            var db = sp.GetRequiredService<KaitiakiDb>();
            var shredded = await db.Documents.SingleAsync(d => d.Id == ids[0]);
            Assert.Null(shredded.WrappedKey);
            Assert.NotNull(shredded.ShreddedAt);
            Assert.False(await sp.GetRequiredService<IDocumentStore>().ExistsAsync(shredded.BlobName, CancellationToken.None));
            Assert.NotNull((await db.Documents.SingleAsync(d => d.Id == ids[1])).WrappedKey);
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == AuditAction.DocumentShredded && e.ResourceId == ids[0]));
            return 0;
        });
    }

    [Fact]
    public async Task Retention_dry_run_changes_nothing_and_apply_shreds_only_expired_documents()
    {
        var (_, _, photos) = await _portal.PatientWithDocumentsAsync(2, category: "photo");
        _portal.Clock.Advance(TimeSpan.FromDays(400));
        var (_, _, recent) = await _portal.PatientWithDocumentsAsync(1, category: "photo");
        var (_, _, letters) = await _portal.PatientWithDocumentsAsync(1, category: "correspondence");

        var candidates = await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().RetentionCandidatesAsync(CancellationToken.None));
        Assert.Equal(photos.Order(), candidates.Select(c => c.DocumentId).Order());
        Assert.Equal(0, await InScope(sp => sp.GetRequiredService<KaitiakiDb>().Documents.CountAsync(d => d.ShreddedAt != null)));

        await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().ApplyRetentionAsync(candidates, null, CancellationToken.None));
        var shredded = await InScope(sp => sp.GetRequiredService<KaitiakiDb>().Documents.Where(d => d.ShreddedAt != null).Select(d => d.Id).ToListAsync());
        Assert.Equal(photos.Order(), shredded.Order());
        Assert.DoesNotContain(recent[0], shredded);
        Assert.DoesNotContain(letters[0], shredded);
    }

    [Fact]
    public async Task Verify_reports_blobs_without_rows_and_rows_without_blobs_and_deletes_nothing()
    {
        var (_, _, ids) = await _portal.PatientWithDocumentsAsync(3);
        var clean = await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().VerifyAsync(null, CancellationToken.None));
        Assert.True(clean.Clean);
        Assert.Equal(3, clean.Checked);

        var documents = Path.Combine(_portal.DataDirectory, "documents");
        var blobName = await InScope(sp => sp.GetRequiredService<KaitiakiDb>().Documents.Where(d => d.Id == ids[0]).Select(d => d.BlobName).SingleAsync());
        var blobPath = Path.Combine(documents, blobName);
        File.Move(blobPath, blobPath + ".moved");
        var orphan = Path.Combine(documents, "ff", "orphan.kdoc");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllBytesAsync(orphan, [1, 2, 3]);

        var report = await InScope(sp => sp.GetRequiredService<DocumentMaintenance>().VerifyAsync(null, CancellationToken.None));
        Assert.False(report.Clean);
        Assert.Equal([ids[0]], report.RowsWithoutBlobs);
        Assert.Contains("ff/orphan.kdoc", report.BlobsWithoutRows);
        Assert.True(File.Exists(orphan));
        Assert.Equal(3, await InScope(sp => sp.GetRequiredService<KaitiakiDb>().Documents.CountAsync()));
    }

    [Fact]
    public async Task Key_rotation_rewraps_every_data_key_resumes_after_an_interruption_and_retires_the_old_key()
    {
        var (_, client, ids) = await _portal.PatientWithDocumentsAsync(5);
        var oldKey = await InScope(sp => Task.FromResult(sp.GetRequiredService<MasterKeys>().TryCurrentKeyId()!));

        // An interrupted rotation: a new key is current and only two data keys were re-wrapped.
        await InScope(async sp =>
        {
            var keys = sp.GetRequiredService<MasterKeys>();
            var db = sp.GetRequiredService<KaitiakiDb>();
            var newKey = keys.Rotate();
            foreach (var document in await db.Documents.OrderBy(d => d.Id).Take(2).ToListAsync())
            {
                document.WrappedKey = keys.Wrap(newKey, keys.Unwrap(document.KekId, document.WrappedKey!));
                document.KekId = newKey;
            }
            return await db.SaveChangesAsync();
        });
        var midway = await InScope(sp => sp.GetRequiredService<KeyRotation>().StatusAsync(CancellationToken.None));
        Assert.True(midway.RotationInProgress);
        Assert.Contains(oldKey, midway.ActiveKeys);

        var (rewrapped, retired) = await InScope(sp => sp.GetRequiredService<KeyRotation>().RotateAsync(null, CancellationToken.None));
        Assert.Equal(3, rewrapped);
        Assert.Equal([oldKey], retired);
        var after = await InScope(sp => sp.GetRequiredService<KeyRotation>().StatusAsync(CancellationToken.None));
        Assert.False(after.RotationInProgress);
        Assert.Equal(5, after.DataKeysByMasterKey[after.CurrentKeyId!]);
        Assert.DoesNotContain(oldKey, after.ActiveKeys);

        foreach (var id in ids)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/documents/{id}/content")).StatusCode);
        }
    }
}
