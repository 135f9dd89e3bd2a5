using System.Globalization;
using System.Text;
using Kaitiaki.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kaitiaki.Tests.Support;

/// <summary>Reads tables past EF Core, so tests see exactly what the database holds.</summary>
internal static class RawTable
{
    /// <summary>Every column of every row of <paramref name="table"/>, each value written as text (blobs as UTF-8 and hex).</summary>
    public static Task<List<string>> ReadAllValuesAsync(this TestPortal portal, string table)
    {
        if (!table.All(char.IsAsciiLetter))
        {
            throw new ArgumentException("Only plain table names, please.", nameof(table));
        }
        return portal.WithScopeAsync(async sp =>
        {
            var connection = sp.GetRequiredService<KaitiakiDb>().Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // the table name is checked above to be letters only
            command.CommandText = $"SELECT * FROM \"{table}\"";
#pragma warning restore CA2100
            await using var reader = await command.ExecuteReaderAsync();
            var values = new List<string>();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values.Add(AsText(reader.IsDBNull(i) ? null : reader.GetValue(i)));
                }
            }
            return values;
        });
    }

    private static string AsText(object? value) => value switch
    {
        null => "",
        byte[] bytes => Encoding.UTF8.GetString(bytes) + " " + Convert.ToHexString(bytes) + " " + Convert.ToBase64String(bytes),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
