using System.Text.Json;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>Reads a record sent by a client (a JSON object) against an entity set's fields, collecting every error.</summary>
internal static class RecordReader
{
    public sealed record Values(Dictionary<RecordField, object?> Fields);

    /// <summary>The fields present in <paramref name="json"/>, converted; errors by field name.</summary>
    /// <param name="lines">For a set of documents: the name of its lines, read elsewhere.</param>
    public static Values Read(JsonElement json, IReadOnlyList<RecordField> fields, bool isCreate, Dictionary<string, List<string>> errors, string prefix = "",
        string? lines = null)
    {
        var values = new Dictionary<RecordField, object?>();
        if (json.ValueKind != JsonValueKind.Object)
        {
            FieldValidation.Add(errors, prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "must be a JSON object");
            return new Values(values);
        }
        foreach (var property in json.EnumerateObject())
        {
            string name;
            try { name = property.Name; }
            catch (InvalidOperationException)
            {
                FieldValidation.Add(errors, prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "has a field name that is not valid text (a lone surrogate or invalid UTF-8)");
                continue;
            }
            var key = prefix + name;
            if (name == lines) continue;
            var field = fields.FirstOrDefault(f => f.Name == name);
            if (field is null) { FieldValidation.Add(errors, key, "is not a field of this entity set"); continue; }
            var writable = !field.IsReadOnly && field.Source != FieldSource.System && (field.Name != "id" || isCreate);
            if (!writable) { FieldValidation.Add(errors, key, field.Name == "id" ? "cannot be changed" : "is read-only"); continue; }
            if (FieldValueReader.TryRead(property.Value, field, out var value, out var error)) values[field] = value;
            else FieldValidation.Add(errors, key, error!);
        }
        return new Values(values);
    }

    /// <summary>A new entity with the CLR fields set; shadow, extension and custom fields stay in the returned map.</summary>
    public static (object Entity, Dictionary<RecordField, object?> Others) NewEntity(Type clrType, Values values)
    {
        var entity = Activator.CreateInstance(clrType)
            ?? throw new InvalidOperationException($"{clrType.Name} needs a public parameterless constructor to be created through the API.");
        var rest = new Dictionary<RecordField, object?>();
        foreach (var (field, value) in values.Fields)
        {
            if (field.Property is { CanWrite: true } property) property.SetValue(entity, value);
            else rest[field] = value;
        }
        return (entity, rest);
    }
}
