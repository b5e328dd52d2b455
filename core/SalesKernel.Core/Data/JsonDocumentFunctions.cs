using System.Text.Json;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace SalesKernel.Core.Data;

/// <summary>
/// Reads one key of a JSON document column inside a query: the custom-field values of a record.
/// Translated to <c>json_extract</c> on SQLite and <c>jsonb_extract_path_text</c> (with a cast) on
/// PostgreSQL, <c>JSON_VALUE</c> (with a cast) on SQL Server; calling them outside a query throws.
/// </summary>
public static class JsonDocumentFunctions
{
    public static string? Text(string? document, string key) => throw OnlyInQueries();
    public static double? Number(string? document, string key) => throw OnlyInQueries();
    /// <summary>A number compared and sorted as <see cref="decimal"/> (PostgreSQL <c>numeric</c>; on SQLite through EF Core's decimal functions).</summary>
    public static decimal? Decimal(string? document, string key) => throw OnlyInQueries();
    public static bool? Boolean(string? document, string key) => throw OnlyInQueries();

    /// <summary>
    /// On SQLite, the function (added to every connection) that reads a number from a custom-field
    /// document as EF Core stores a <see cref="decimal"/> (text), from the number's own digits in the
    /// JSON — never through SQLite's double — so custom numbers compare and sort like decimal columns.
    /// </summary>
    public const string SqliteDecimal = "sk_decimal";

    internal static string? ToStoredDecimal(string? document, string key)
    {
        if (string.IsNullOrEmpty(document)) return null;
        try
        {
            using var json = JsonDocument.Parse(document);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(key, out var value)
                && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number)
                ? number.ToString("0.0###########################", System.Globalization.CultureInfo.InvariantCulture)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static InvalidOperationException OnlyInQueries() => new("JSON document functions only run inside database queries.");

    internal static void Register(ModelBuilder modelBuilder, bool npgsql, bool sqlServer, IRelationalTypeMappingSource types)
    {
        var text = types.FindMapping(typeof(string))!;
        var number = types.FindMapping(typeof(double))!;
        var boolean = types.FindMapping(typeof(bool))!;
        // SQL Server's default decimal is decimal(18,2): custom-field numbers are compared exactly, as on the others
        var exact = sqlServer ? types.FindMapping(typeof(decimal), "decimal(38,10)")! : types.FindMapping(typeof(decimal))!;
        if (sqlServer)
        {
            modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Text))!).HasTranslation(args => JsonValue(args, typeof(string), text, text));
            modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Number))!).HasTranslation(args => JsonValue(args, typeof(double), number, text));
            modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Decimal))!).HasTranslation(args => JsonValue(args, typeof(decimal), exact, text));
            modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Boolean))!).HasTranslation(args => JsonValue(args, typeof(bool), boolean, text));
            return;
        }
        modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Text))!)
            .HasTranslation(args => Extract(args, npgsql, typeof(string), text, text));
        modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Number))!)
            .HasTranslation(args => Extract(args, npgsql, typeof(double), number, text));
        modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Decimal))!)
            .HasTranslation(args => Extract(args, npgsql, typeof(decimal), exact, text));
        modelBuilder.HasDbFunction(typeof(JsonDocumentFunctions).GetMethod(nameof(Boolean))!)
            .HasTranslation(args => Extract(args, npgsql, typeof(bool), boolean, text));
    }

    /// <summary>SQL Server: <c>JSON_VALUE(document, '$."key"')</c>, cast to the value's type.</summary>
    private static SqlExpression JsonValue(IReadOnlyList<SqlExpression> args, Type type, RelationalTypeMapping mapping, RelationalTypeMapping text)
    {
        if (args[1] is not SqlConstantExpression { Value: string key })
            throw new InvalidOperationException("The key of a JSON document function must be a constant.");
        var path = new SqlConstantExpression($"$.\"{key.Replace("\"", "")}\"", typeof(string), text);
        var value = new SqlFunctionExpression("JSON_VALUE", [args[0], path], nullable: true, argumentsPropagateNullability: [true, false], typeof(string), text);
        return type == typeof(string) ? value : new SqlUnaryExpression(ExpressionType.Convert, value, type, mapping);
    }

    private static SqlExpression Extract(IReadOnlyList<SqlExpression> args, bool npgsql, Type type, RelationalTypeMapping mapping, RelationalTypeMapping text)
    {
        if (args[1] is not SqlConstantExpression { Value: string key })
            throw new InvalidOperationException("The key of a JSON document function must be a constant.");
        if (npgsql)
        {
            var extracted = new SqlFunctionExpression("jsonb_extract_path_text", [args[0], new SqlConstantExpression(key, typeof(string), text)],
                nullable: true, argumentsPropagateNullability: [true, false], typeof(string), text);
            return type == typeof(string) ? extracted : new SqlUnaryExpression(ExpressionType.Convert, extracted, type, mapping);
        }
        if (type == typeof(decimal))
            return new SqlFunctionExpression(SqliteDecimal, [args[0], new SqlConstantExpression(key, typeof(string), text)],
                nullable: true, argumentsPropagateNullability: [true, false], type, mapping);
        var path = new SqlConstantExpression($"$.\"{key.Replace("\"", "")}\"", typeof(string), text);
        return new SqlFunctionExpression("json_extract", [args[0], path], nullable: true, argumentsPropagateNullability: [true, false], type, mapping);
    }
}
