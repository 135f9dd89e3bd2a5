namespace Kaitiaki.Storage;

/// <summary>
/// Files and folders the portal makes are readable by the account it runs as, and nobody else (files 0600, folders
/// 0700 on Unix): the database, the outbox (which holds codes), keys, checkpoints and documents alike. The mode is set
/// as each is created, so there is never a moment when another account could open it. On Windows the folder's ACLs
/// apply instead.
/// </summary>
internal static class OwnerOnly
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder (and any missing parents) owner-only; an existing folder keeps the mode it has.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, FolderMode);
    }

    /// <summary>Options for a new file that only its owner can read.</summary>
    public static FileStreamOptions NewFile(FileMode mode = System.IO.FileMode.Create, FileOptions options = FileOptions.None)
    {
        var fileOptions = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = FileMode;
        }
        return fileOptions;
    }

    public static void WriteAllText(string path, string content)
    {
        using var stream = new FileStream(path, NewFile());
        using var writer = new StreamWriter(stream);
        writer.Write(content);
    }

    /// <summary>Makes an empty file owner-only if it does not exist yet (the SQLite database, before its first open).</summary>
    public static void Touch(string path)
    {
        if (!File.Exists(path))
        {
            using var _ = new FileStream(path, NewFile(System.IO.FileMode.CreateNew));
        }
    }
}
