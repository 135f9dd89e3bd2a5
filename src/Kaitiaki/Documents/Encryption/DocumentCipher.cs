using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;

namespace Kaitiaki.Documents.Encryption;

/// <summary>The blob could not be proved authentic: it was changed, cut short, swapped or sealed under another key.</summary>
internal sealed class DocumentIntegrityException(string message) : Exception(message);

internal sealed class DocumentTooLargeException(long limit) : Exception($"The document is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Streaming authenticated encryption of one document version, after the published streaming-AEAD
/// designs (Tink's AES-GCM-HKDF streaming, age's STREAM):
/// <code>
/// header  = "KTDC" | version 1 | algorithm 1 | segment size (u32 BE) | salt (32) | nonce prefix (7) | HMAC-SHA256 (32)
/// segment = AES-256-GCM(payload key, nonce = prefix | u32 BE index | last flag, aad = header) → ciphertext | tag (16)
/// payload key = HKDF-SHA256(DEK, salt, "kaitiaki-document-v1" | document id | patient id)
/// header MAC key = HKDF-SHA256(DEK, salt, "kaitiaki-document-header-v1" | document id | patient id)
/// </code>
/// The MAC commits the header to the key and to the ids, so a blob moved onto another row fails before any
/// segment is opened; the last-segment flag and the known length catch truncation and extension.
/// </summary>
internal static class DocumentCipher
{
    public const int SegmentSize = 64 * 1024;
    public const int TagSize = 16;
    public const int HeaderSize = 4 + 1 + 1 + 4 + SaltSize + NoncePrefixSize + MacSize;
    private const int SaltSize = 32;
    private const int NoncePrefixSize = 7;
    private const int MacSize = 32;
    private const byte Version = 1;
    private const byte Algorithm = 1;
    private static readonly byte[] Magic = "KTDC"u8.ToArray();
    private static readonly byte[] PayloadInfo = Encoding.ASCII.GetBytes("kaitiaki-document-v1");
    private static readonly byte[] HeaderInfo = Encoding.ASCII.GetBytes("kaitiaki-document-header-v1");

    public static int SegmentCount(long plaintextSize) => plaintextSize == 0 ? 1 : (int)((plaintextSize + SegmentSize - 1) / SegmentSize);

    public static long CiphertextSize(long plaintextSize) => HeaderSize + plaintextSize + (long)SegmentCount(plaintextSize) * TagSize;

    public static byte[] NewDataKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="output"/>, returning its size and SHA-256.</summary>
    public static async Task<(long Size, byte[] Sha256)> EncryptAsync(
        Stream plaintext, Stream output, byte[] dataKey, Guid documentId, Guid patientId, long maxSize, CancellationToken cancellationToken)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var prefix = RandomNumberGenerator.GetBytes(NoncePrefixSize);
        var (payloadKey, macKey) = DeriveKeys(dataKey, salt, documentId, patientId);
        var header = new byte[HeaderSize];
        WriteHeaderFields(header, salt, prefix);
        HMACSHA256.HashData(macKey, header.AsSpan(0, HeaderSize - MacSize), header.AsSpan(HeaderSize - MacSize));
        await output.WriteAsync(header, cancellationToken);

        using var aes = new AesGcm(payloadKey, TagSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var current = ArrayPool<byte>.Shared.Rent(SegmentSize);
        var next = ArrayPool<byte>.Shared.Rent(SegmentSize);
        var sealedSegment = ArrayPool<byte>.Shared.Rent(SegmentSize + TagSize);
        try
        {
            long total = 0;
            var currentLength = await FillAsync(plaintext, current, cancellationToken);
            uint index = 0;
            while (true)
            {
                // Read one segment ahead: only then is it known whether this one is the last.
                var nextLength = currentLength == SegmentSize ? await FillAsync(plaintext, next, cancellationToken) : 0;
                var last = nextLength == 0;
                total += currentLength;
                if (total > maxSize)
                {
                    throw new DocumentTooLargeException(maxSize);
                }
                sha.AppendData(current, 0, currentLength);
                Seal(aes, prefix, index, last, header, current.AsSpan(0, currentLength), sealedSegment);
                await output.WriteAsync(sealedSegment.AsMemory(0, currentLength + TagSize), cancellationToken);
                if (last)
                {
                    return (total, sha.GetHashAndReset());
                }
                (current, next) = (next, current);
                currentLength = nextLength;
                index++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
            ArrayPool<byte>.Shared.Return(sealedSegment, clearArray: true);
            CryptographicOperations.ZeroMemory(payloadKey);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    /// <summary>
    /// Writes plaintext bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) to <paramref name="output"/>,
    /// opening only the segments that range touches. Each segment is verified before any of its bytes is written.
    /// </summary>
    public static async Task DecryptAsync(
        Stream blob, Stream output, byte[] dataKey, Guid documentId, Guid patientId, long plaintextSize, long from, long to,
        CancellationToken cancellationToken)
    {
        var writer = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await DecryptAsync(blob, writer, dataKey, documentId, patientId, plaintextSize, from, to, cancellationToken);
        await writer.CompleteAsync();
    }

    /// <summary>
    /// As the stream overload, writing into the pipe's own buffers: a segment sent whole is decrypted straight into the
    /// memory the response is sent from, and is committed to the pipe only once its tag has been verified.
    /// </summary>
    public static async Task DecryptAsync(
        Stream blob, PipeWriter output, byte[] dataKey, Guid documentId, Guid patientId, long plaintextSize, long from, long to,
        CancellationToken cancellationToken)
    {
        if (plaintextSize < 0 || from < 0 || (plaintextSize > 0 && (to < from || to >= plaintextSize)))
        {
            throw new ArgumentOutOfRangeException(nameof(from), "The range lies outside the document.");
        }
        if (blob.CanSeek && blob.Length != CiphertextSize(plaintextSize))
        {
            throw new DocumentIntegrityException("The stored document has the wrong length: it was cut short or added to.");
        }
        var header = new byte[HeaderSize];
        await blob.ReadExactlyAsync(header, cancellationToken);
        if (!header.AsSpan(0, 4).SequenceEqual(Magic) || header[4] != Version || header[5] != Algorithm
            || BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(6)) != SegmentSize)
        {
            throw new DocumentIntegrityException("The stored document is not in a format this portal knows.");
        }
        var salt = header.AsSpan(10, SaltSize).ToArray();
        var prefix = header.AsSpan(10 + SaltSize, NoncePrefixSize).ToArray();
        var (payloadKey, macKey) = DeriveKeys(dataKey, salt, documentId, patientId);
        try
        {
            var expectedMac = HMACSHA256.HashData(macKey, header.AsSpan(0, HeaderSize - MacSize));
            if (!CryptographicOperations.FixedTimeEquals(expectedMac, header.AsSpan(HeaderSize - MacSize)))
            {
                throw new DocumentIntegrityException("The stored document's header does not match its key and record.");
            }
            if (plaintextSize == 0)
            {
                // An empty document is one empty last segment; open it anyway so a swap is still caught.
                to = -1;
            }
            var segments = SegmentCount(plaintextSize);
            var first = (int)(from / SegmentSize);
            var lastIndex = plaintextSize == 0 ? 0 : (int)(to / SegmentSize);
            using var aes = new AesGcm(payloadKey, TagSize);
            var sealedSegment = ArrayPool<byte>.Shared.Rent(SegmentSize + TagSize);
            // Needed only for a segment sent in part (the ends of a range); whole segments decrypt into the pipe.
            byte[]? plain = null;
            try
            {
                if (first > 0)
                {
                    blob.Seek(HeaderSize + (long)first * (SegmentSize + TagSize), SeekOrigin.Begin);
                }
                for (var index = first; index <= lastIndex; index++)
                {
                    var isLast = index == segments - 1;
                    var length = isLast ? (int)(plaintextSize - (long)index * SegmentSize) : SegmentSize;
                    try
                    {
                        await blob.ReadExactlyAsync(sealedSegment.AsMemory(0, length + TagSize), cancellationToken);
                    }
                    catch (EndOfStreamException)
                    {
                        throw new DocumentIntegrityException("The stored document ends early.");
                    }
                    var start = index == first ? (int)(from - (long)index * SegmentSize) : 0;
                    var end = index == lastIndex ? (int)(to - (long)index * SegmentSize) + 1 : length;
                    if (start == 0 && end == length)
                    {
                        // Unverified bytes in the pipe's buffer are never sent: nothing is advanced unless Open succeeds.
                        Open(aes, prefix, (uint)index, isLast, header, sealedSegment.AsSpan(0, length + TagSize), output.GetSpan(length)[..length]);
                        output.Advance(length);
                    }
                    else
                    {
                        plain ??= ArrayPool<byte>.Shared.Rent(SegmentSize);
                        Open(aes, prefix, (uint)index, isLast, header, sealedSegment.AsSpan(0, length + TagSize), plain.AsSpan(0, length));
                        if (end > start)
                        {
                            output.Write(plain.AsSpan(start, end - start));
                        }
                    }
                    if (length > 0)
                    {
                        await output.FlushAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(sealedSegment);
                if (plain is not null)
                {
                    ArrayPool<byte>.Shared.Return(plain, clearArray: true);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payloadKey);
            CryptographicOperations.ZeroMemory(macKey);
        }
    }

    private static void Seal(AesGcm aes, byte[] prefix, uint index, bool last, byte[] header, ReadOnlySpan<byte> plaintext, byte[] output)
    {
        Span<byte> nonce = stackalloc byte[12];
        Nonce(prefix, index, last, nonce);
        aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length, TagSize), header);
    }

    private static void Open(AesGcm aes, byte[] prefix, uint index, bool last, byte[] header, ReadOnlySpan<byte> sealedSegment, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[12];
        Nonce(prefix, index, last, nonce);
        try
        {
            aes.Decrypt(nonce, sealedSegment[..^TagSize], sealedSegment[^TagSize..], plaintext, header);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new DocumentIntegrityException($"Segment {index} of the stored document failed its integrity check.");
        }
    }

    private static void Nonce(byte[] prefix, uint index, bool last, Span<byte> nonce)
    {
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixSize..], index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    private static void WriteHeaderFields(byte[] header, byte[] salt, byte[] prefix)
    {
        Magic.CopyTo(header, 0);
        header[4] = Version;
        header[5] = Algorithm;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(6), SegmentSize);
        salt.CopyTo(header, 10);
        prefix.CopyTo(header, 10 + SaltSize);
    }

    private static (byte[] PayloadKey, byte[] MacKey) DeriveKeys(byte[] dataKey, byte[] salt, Guid documentId, Guid patientId)
    {
        var ids = new byte[32];
        documentId.TryWriteBytes(ids.AsSpan(0, 16), bigEndian: true, out _);
        patientId.TryWriteBytes(ids.AsSpan(16, 16), bigEndian: true, out _);
        var payload = HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, 32, salt, [.. PayloadInfo, .. ids]);
        var mac = HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, 32, salt, [.. HeaderInfo, .. ids]);
        return (payload, mac);
    }

    private static async Task<int> FillAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken) =>
        await stream.ReadAtLeastAsync(buffer.AsMemory(0, SegmentSize), SegmentSize, throwOnEndOfStream: false, cancellationToken);
}
