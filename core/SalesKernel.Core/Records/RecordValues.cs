using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>Reads and writes any field of a tracked record: CLR, shadow (system, extension) or custom.</summary>
internal static class RecordValues
{
    public static object? Get(EntityEntry entry, RecordField field, bool original = false)
    {
        if (field.Source != FieldSource.Custom)
        {
            var property = entry.Property(field.PropertyName);
            return original ? property.OriginalValue : property.CurrentValue;
        }
        var document = Document(entry, original);
        return document?[field.PropertyName] is { } node ? FromNode(node, field) : null;
    }

    public static void Set(EntityEntry entry, RecordField field, object? value)
    {
        if (field.Source != FieldSource.Custom)
        {
            entry.Property(field.PropertyName).CurrentValue = value;
            return;
        }
        var document = Document(entry, original: false) ?? new JsonObject();
        if (value is null) document.Remove(field.PropertyName);
        else document[field.PropertyName] = ToNode(value, field);
        entry.Property(SystemFields.CustomFields).CurrentValue = document.Count == 0 ? null : document.ToJsonString();
    }

    private static JsonObject? Document(EntityEntry entry, bool original)
    {
        if (entry.Metadata.FindProperty(SystemFields.CustomFields) is null) return null;
        var property = entry.Property(SystemFields.CustomFields);
        var json = (original ? property.OriginalValue : property.CurrentValue) as string;
        return string.IsNullOrEmpty(json) ? null : JsonNode.Parse(json) as JsonObject;
    }

    /// <summary>A custom field's value in the canonical form it is stored (and compared) as.</summary>
    public static JsonNode? ToNode(object value, RecordField field) => field.Type switch
    {
        FieldType.Date => JsonValue.Create(((DateOnly)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        FieldType.DateTime => JsonValue.Create(((DateTime)value).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)),
        FieldType.Reference or FieldType.Guid => JsonValue.Create(((Guid)value).ToString("D")),
        FieldType.MultiChoice => new JsonArray(((IEnumerable<string>)value).Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        _ => JsonSerializer.SerializeToNode(value, value.GetType()),
    };

    public static object? FromNode(JsonNode node, RecordField field)
    {
        try
        {
            return field.Type switch
            {
                FieldType.Text or FieldType.Choice => node.GetValue<string>(),
                FieldType.Integer => node.GetValue<long>(),
                FieldType.Decimal or FieldType.Money => node.GetValue<decimal>(),
                FieldType.Boolean => node.GetValue<bool>(),
                FieldType.Date => DateOnly.ParseExact(node.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                FieldType.DateTime => DateTime.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                FieldType.Reference or FieldType.Guid => Guid.Parse(node.GetValue<string>()),
                FieldType.MultiChoice => node.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
                _ => null,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return null; // a value stored before the field's type changed: shown as empty, not an error
        }
    }
}
