using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kaitiaki.Bench.Portal;

internal static class Json
{
    /// <summary>The portal's own convention: camelCase, read case-insensitively.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>For the one result line: camelCase, optional fields left out when they have nothing to say.</summary>
    public static readonly JsonSerializerOptions Report = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
