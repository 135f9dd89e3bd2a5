using System.Security.Cryptography;
using Kaitiaki.Documents.Encryption;

namespace Kaitiaki.Tests;

public sealed class DocumentCipherTests
{
    private static readonly Guid DocumentId = Guid.NewGuid();
    private static readonly Guid PatientId = Guid.NewGuid();

    private static async Task<byte[]> EncryptAsync(byte[] plaintext, byte[] key, Guid? documentId = null, Guid? patientId = null)
    {
        using var output = new MemoryStream();
        var (size, hash) = await DocumentCipher.EncryptAsync(new MemoryStream(plaintext), output, key, documentId ?? DocumentId, patientId ?? PatientId, long.MaxValue, CancellationToken.None);
        Assert.Equal(plaintext.Length, size);
        Assert.Equal(SHA256.HashData(plaintext), hash);
        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] blob, byte[] key, long size, long from = 0, long? to = null, MemoryStream? output = null,
        Guid? documentId = null, Guid? patientId = null)
    {
        output ??= new MemoryStream();
        await DocumentCipher.DecryptAsync(new MemoryStream(blob), output, key, documentId ?? DocumentId, patientId ?? PatientId, size, from, to ?? size - 1, CancellationToken.None);
        return output.ToArray();
    }

    // Text-like content, so a leak of plaintext into the blob would show as a matching run.
    private static byte[] Plaintext(int size, int seed)
    {
        var random = new Random(seed);
        var words = "patient discharge summary haemoglobin referral Whangārei clinic letter follow-up medication "u8.ToArray();
        var data = new byte[size];
        for (var i = 0; i < size; i++)
        {
            data[i] = words[(i + random.Next(0, 3)) % words.Length];
        }
        return data;
    }

    public static TheoryData<int> Sizes => new() { 0, 1, 15, 16, 65_535, 65_536, 65_537, 131_072, 200_001, 270_000 };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Round_trip_returns_the_same_bytes(int size)
    {
        var plaintext = Plaintext(size, size);
        var key = DocumentCipher.NewDataKey();
        var blob = await EncryptAsync(plaintext, key);
        Assert.Equal(DocumentCipher.CiphertextSize(size), blob.Length);
        Assert.Equal(plaintext, await DecryptAsync(blob, key, size));
    }

    [Fact]
    public async Task Random_sizes_and_ranges_round_trip()
    {
        var random = new Random(4242);
        for (var i = 0; i < 40; i++)
        {
            var size = random.Next(0, 4) == 0 ? random.Next(0, 200) : random.Next(0, 400_000);
            var plaintext = Plaintext(size, i);
            var key = DocumentCipher.NewDataKey();
            var blob = await EncryptAsync(plaintext, key);
            Assert.Equal(plaintext, await DecryptAsync(blob, key, size));
            if (size > 0)
            {
                var from = random.Next(0, size);
                var to = random.Next(from, size);
                Assert.Equal(plaintext[from..(to + 1)], await DecryptAsync(blob, key, size, from, to));
            }
        }
    }

    [Fact]
    public async Task No_16_byte_run_of_the_plaintext_appears_in_the_blob()
    {
        var plaintext = Plaintext(270_000, 7);
        var blob = await EncryptAsync(plaintext, DocumentCipher.NewDataKey());
        var runs = new HashSet<string>();
        for (var i = 0; i + 16 <= plaintext.Length; i += 1)
        {
            runs.Add(Convert.ToHexString(plaintext, i, 16));
        }
        for (var i = 0; i + 16 <= blob.Length; i++)
        {
            Assert.DoesNotContain(Convert.ToHexString(blob, i, 16), runs);
        }
    }

    [Fact]
    public async Task Flipping_any_byte_fails_and_only_verified_bytes_are_written()
    {
        var size = 3 * DocumentCipher.SegmentSize + 1000;
        var plaintext = Plaintext(size, 3);
        var key = DocumentCipher.NewDataKey();
        var blob = await EncryptAsync(plaintext, key);
        var positions = Enumerable.Range(0, DocumentCipher.HeaderSize)
            .Concat(Enumerable.Range(0, 200).Select(i => DocumentCipher.HeaderSize + (int)((long)i * (blob.Length - DocumentCipher.HeaderSize - 1) / 199)));
        foreach (var position in positions)
        {
            var tampered = (byte[])blob.Clone();
            tampered[position] ^= 0x01;
            using var received = new MemoryStream();
            await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(tampered, key, size, output: received));
            var sent = received.ToArray();
            Assert.True(sent.Length < size);
            Assert.Equal(plaintext[..sent.Length], sent); // whatever was written before the failure was genuine
            Assert.Equal(0, sent.Length % DocumentCipher.SegmentSize);
        }
    }

    [Fact]
    public async Task A_blob_cut_short_or_extended_fails()
    {
        var size = 2 * DocumentCipher.SegmentSize + 10;
        var plaintext = Plaintext(size, 5);
        var key = DocumentCipher.NewDataKey();
        var blob = await EncryptAsync(plaintext, key);
        foreach (var length in new[] { 0, 10, DocumentCipher.HeaderSize, DocumentCipher.HeaderSize + DocumentCipher.SegmentSize + DocumentCipher.TagSize, blob.Length - 1 })
        {
            await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(blob[..length], key, size));
        }
        await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync([.. blob, 0], key, size));

        // Dropping whole trailing segments while claiming the shorter size still fails: the last-segment flag is missing.
        var shorter = DocumentCipher.SegmentSize * 2L;
        var cut = blob[..(int)DocumentCipher.CiphertextSize(shorter)];
        await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(cut, key, shorter));
    }

    [Fact]
    public async Task A_blob_moved_to_another_document_or_patient_fails()
    {
        var plaintext = Plaintext(1000, 9);
        var key = DocumentCipher.NewDataKey();
        var blob = await EncryptAsync(plaintext, key);
        await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(blob, key, 1000, documentId: Guid.NewGuid()));
        await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(blob, key, 1000, patientId: Guid.NewGuid()));
    }

    [Fact]
    public async Task Another_documents_data_key_fails()
    {
        var plaintext = Plaintext(70_000, 11);
        var blob = await EncryptAsync(plaintext, DocumentCipher.NewDataKey());
        await Assert.ThrowsAsync<DocumentIntegrityException>(() => DecryptAsync(blob, DocumentCipher.NewDataKey(), 70_000));
    }

    [Fact]
    public async Task Encrypting_more_than_the_limit_stops_with_a_clear_error()
    {
        using var output = new MemoryStream();
        var ex = await Assert.ThrowsAsync<DocumentTooLargeException>(() => DocumentCipher.EncryptAsync(
            new MemoryStream(new byte[100_001]), output, DocumentCipher.NewDataKey(), DocumentId, PatientId, 100_000, CancellationToken.None));
        Assert.Equal(100_000, ex.Limit);
    }
}
