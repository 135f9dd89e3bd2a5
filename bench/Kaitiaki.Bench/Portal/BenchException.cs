namespace Kaitiaki.Bench.Portal;

/// <summary>A run that cannot go on, told in words for stderr: the portal is not there, the credentials are wrong, an API is missing.</summary>
internal sealed class BenchException(string message) : Exception(message);
