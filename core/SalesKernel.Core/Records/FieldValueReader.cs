using System.Globalization;
using System.Text.Json;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>Turns a JSON value sent by a client into a field's CLR value, or says why it cannot.</summary>
internal static class FieldValueReader
{
    public static bool TryRead(JsonElement json, RecordField field, out object? value, out string? error)
    {
        value = null;
        error = null;
        if (json.ValueKind == JsonValueKind.Null)
            return !field.ClrType.IsValueType || Nullable.GetUnderlyingType(field.ClrType) is not null || Fail("cannot be empty", out error);
        var t = field.ValueType;
        // a lone surrogate (\ud800) or invalid UTF-8 inside a string cannot become .NET text
        if (!IsReadableText(json)) return Fail(NotText, out error);
        switch (field.Type)
        {
            case FieldType.Text:
                if (json.ValueKind != JsonValueKind.String) return Fail("must be a string", out error);
                var text = json.GetString()!;
                // PostgreSQL cannot store it in text or JSON, and no user means it
                if (text.Contains('\0')) return Fail(HasNul, out error);
                value = text;
                return true;
            case FieldType.Integer:
                if (json.ValueKind != JsonValueKind.Number || !json.TryGetInt64(out var l)) return Fail("must be a whole number", out error);
                try { value = Convert.ChangeType(l, t == typeof(object) ? typeof(long) : t, CultureInfo.InvariantCulture); }
                catch (OverflowException) { return Fail("is out of range", out error); }
                return true;
            case FieldType.Decimal or FieldType.Money:
                if (json.ValueKind != JsonValueKind.Number) return Fail("must be a number", out error);
                if (t == typeof(double)) value = json.GetDouble();
                else if (t == typeof(float)) value = json.GetSingle();
                else if (json.TryGetDecimal(out var d)) value = d;
                else return Fail("is out of range", out error);
                return true;
            case FieldType.Boolean:
                if (json.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return Fail("must be true or false", out error);
                value = json.GetBoolean();
                return true;
            case FieldType.Date:
                if (json.ValueKind != JsonValueKind.String || !DateOnly.TryParseExact(json.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    return Fail("must be a date (yyyy-MM-dd)", out error);
                value = date;
                return true;
            case FieldType.DateTime:
                if (json.ValueKind != JsonValueKind.String || !DateTime.TryParse(json.GetString(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
                    return Fail("must be a date and time (ISO 8601)", out error);
                value = t == typeof(DateTimeOffset) ? new DateTimeOffset(time, TimeSpan.Zero) : (object)time;
                return true;
            case FieldType.Guid or FieldType.Reference:
                if (json.ValueKind != JsonValueKind.String || !Guid.TryParse(json.GetString(), out var guid)) return Fail("must be an id (GUID)", out error);
                value = guid;
                return true;
            case FieldType.Choice:
                if (json.ValueKind != JsonValueKind.String || field.Choices?.Contains(json.GetString()) != true)
                    return Fail($"must be one of: {string.Join(", ", field.Choices ?? [])}", out error);
                value = t.IsEnum ? Enum.Parse(t, json.GetString()!) : json.GetString();
                return true;
            case FieldType.MultiChoice:
                if (json.ValueKind != JsonValueKind.Array || json.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || field.Choices?.Contains(e.GetString()) != true))
                    return Fail($"must be a list of: {string.Join(", ", field.Choices ?? [])}", out error);
                value = json.EnumerateArray().Select(e => e.GetString()!).Distinct().ToArray();
                return true;
            default:
                return Fail("cannot be written", out error);
        }
    }

    public const string NotText = "is not valid text (a lone surrogate or invalid UTF-8)";
    public const string HasNul = "must not contain the NUL character (\\u0000)";

    /// <summary>False for a JSON string (or a list holding one) that cannot be decoded to .NET text.</summary>
    public static bool IsReadableText(JsonElement json)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.String:
                try { _ = json.GetString(); return true; }
                catch (InvalidOperationException) { return false; }
            case JsonValueKind.Array:
                foreach (var item in json.EnumerateArray())
                    if (!IsReadableText(item)) return false;
                return true;
            default:
                return true;
        }
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
