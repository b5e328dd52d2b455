using System.Reflection;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Records;

/// <summary>Where a field comes from.</summary>
public enum FieldSource
{
    /// <summary>A property of the entity class, declared by the set's plugin.</summary>
    Entity,
    /// <summary>Kept by the kernel on every set: times, authors, version.</summary>
    System,
    /// <summary>Added by another plugin (<c>ExtendEntitySet</c>).</summary>
    Extension,
    /// <summary>Added by an administrator at run time, stored in the record's custom-field document.</summary>
    Custom,
}

/// <summary>A field of an entity set as the kernel serves it: name, storage, type and flags.</summary>
public sealed class RecordField
{
    public required string Name { get; init; }
    /// <summary>The EF Core property; for custom fields, the key in the custom-field document.</summary>
    public required string PropertyName { get; init; }
    /// <summary>The CLR type values have (nullable when the field may be empty).</summary>
    public required Type ClrType { get; init; }
    public required FieldType Type { get; init; }
    public required FieldSource Source { get; init; }
    /// <summary>The plugin owning the field (the set's plugin, an extending plugin, or <c>kernel</c>).</summary>
    public required string Owner { get; init; }
    public LocalizedText? DisplayName { get; init; }
    public bool IsRequired { get; init; }
    public bool IsReadOnly { get; init; }
    public bool IsSearchable { get; init; }
    public bool IsFilterable { get; init; }
    public bool IsSortable { get; init; }
    public bool IsNullable { get; init; }
    public int? MaxLength { get; init; }
    /// <summary>For a numbered field: the full name of the sequence its values come from.</summary>
    public string? Sequence { get; init; }
    /// <summary>For text: the form values must have.</summary>
    public FieldFormat Format { get; init; }
    public double? Minimum { get; init; }
    public double? Maximum { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public string? ReferenceTo { get; init; }
    /// <summary>For money: the API name of the field holding the currency.</summary>
    public string? CurrencyField { get; init; }
    /// <summary>For a reference without a foreign key: the declared delete rule, if any.</summary>
    public DeleteRule? OnDelete { get; init; }
    /// <summary>The CLR property, when the field is one (not shadow, not custom).</summary>
    public PropertyInfo? Property { get; init; }

    /// <summary>The value type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType => Nullable.GetUnderlyingType(ClrType) ?? ClrType;

    /// <summary>The field type of a CLR type, or null when entity-set fields cannot have that type.</summary>
    public static FieldType? Infer(Type clrType)
    {
        var t = Nullable.GetUnderlyingType(clrType) ?? clrType;
        if (t.IsEnum) return FieldType.Choice;
        if (t == typeof(string)) return FieldType.Text;
        if (t == typeof(int) || t == typeof(long) || t == typeof(short)) return FieldType.Integer;
        if (t == typeof(decimal) || t == typeof(double) || t == typeof(float)) return FieldType.Decimal;
        if (t == typeof(bool)) return FieldType.Boolean;
        if (t == typeof(DateOnly)) return FieldType.Date;
        if (t == typeof(DateTime)) return FieldType.DateTime; // DateTimeOffset cannot be compared or sorted on SQLite
        if (t == typeof(Guid)) return FieldType.Guid;
        return null;
    }
}
