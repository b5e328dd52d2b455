using System.Text.Json;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

namespace SalesKernel.Core.Schema;

/// <summary>
/// A table as the database has it, recorded in the schema history after each step. It is read back
/// into an EF Core model so the next start can diff "what the database has" against "what the
/// plugins declare now" with EF Core's own model differ.
/// </summary>
public sealed record TableSnapshot(
    string Name,
    string? Schema,
    string Owner,
    List<ColumnSnapshot> Columns,
    KeySnapshot? PrimaryKey,
    List<KeySnapshot> UniqueConstraints,
    List<IndexSnapshot> Indexes,
    List<ForeignKeySnapshot> ForeignKeys,
    List<CheckSnapshot> CheckConstraints,
    string? Comment)
{
    public static TableSnapshot From(ITable table, string owner) => new(
        table.Name,
        table.Schema,
        owner,
        table.Columns.Select(ColumnSnapshot.From).ToList(),
        table.PrimaryKey is { } pk ? new KeySnapshot(pk.Name, pk.Columns.Select(c => c.Name).ToList()) : null,
        table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey())
            .Select(u => new KeySnapshot(u.Name, u.Columns.Select(c => c.Name).ToList())).ToList(),
        table.Indexes.Select(i => new IndexSnapshot(i.Name, i.Columns.Select(c => c.Name).ToList(), i.IsUnique, i.Filter,
            i.IsDescending?.ToList(), AnnotationSnapshot.From(i.GetAnnotations()))).ToList(),
        table.ForeignKeyConstraints.Select(f => new ForeignKeySnapshot(f.Name, f.Columns.Select(c => c.Name).ToList(),
            f.PrincipalTable.Name, f.PrincipalTable.Schema, f.PrincipalColumns.Select(c => c.Name).ToList(), f.OnDeleteAction)).ToList(),
        table.CheckConstraints.Select(c => new CheckSnapshot(c.Name!, c.Sql)).ToList(),
        table.Comment);
}

public sealed record ColumnSnapshot(
    string Name,
    string ClrType,
    string StoreType,
    bool Nullable,
    ValueGenerated ValueGenerated,
    int? MaxLength,
    int? Precision,
    int? Scale,
    bool? Unicode,
    bool? FixedLength,
    string? DefaultValueSql,
    string? DefaultValueJson,
    string? ComputedSql,
    bool? Stored,
    string? Collation,
    string? Comment,
    int? Order,
    List<AnnotationSnapshot> Annotations)
{
    public static ColumnSnapshot From(IColumn column)
    {
        var property = column.PropertyMappings.FirstOrDefault()?.Property
            ?? throw new NotSupportedException($"Column {column.Name} of table {column.Table.Name} is not mapped from a scalar property (JSON columns are not supported yet).");
        var clr = System.Nullable.GetUnderlyingType(column.ProviderClrType) ?? column.ProviderClrType;
        return new ColumnSnapshot(
            column.Name,
            clr.AssemblyQualifiedName!,
            column.StoreType,
            column.IsNullable,
            property.ValueGenerated,
            column.MaxLength,
            column.Precision,
            column.Scale,
            column.IsUnicode,
            column.IsFixedLength,
            column.DefaultValueSql,
            column.DefaultValue is { } d && d is not DBNull ? JsonSerializer.Serialize(d, d.GetType()) : null,
            column.ComputedColumnSql,
            column.IsStored,
            column.Collation,
            column.Comment,
            column.Order,
            AnnotationSnapshot.From(column.GetAnnotations()));
    }

    public Type ResolveClrType() =>
        Type.GetType(ClrType) ?? throw new InvalidOperationException($"Column {Name}: unknown type {ClrType}.");
}

public sealed record KeySnapshot(string Name, List<string> Columns);

public sealed record IndexSnapshot(string Name, List<string> Columns, bool Unique, string? Filter, List<bool>? Descending, List<AnnotationSnapshot> Annotations);

public sealed record CheckSnapshot(string Name, string Sql);

public sealed record ForeignKeySnapshot(
    string Name,
    List<string> Columns,
    string PrincipalTable,
    string? PrincipalSchema,
    List<string> PrincipalColumns,
    ReferentialAction OnDelete);

/// <summary>A provider annotation (identity strategy, autoincrement …) with its value's type.</summary>
public sealed record AnnotationSnapshot(string Name, string Type, string Value)
{
    public static List<AnnotationSnapshot> From(IEnumerable<IAnnotation> annotations) =>
        annotations
            .Where(a => a.Value is not null && IsRecordable(a.Value.GetType()))
            .Select(a => new AnnotationSnapshot(a.Name, a.Value!.GetType().AssemblyQualifiedName!,
                JsonSerializer.Serialize(a.Value, a.Value.GetType())))
            .ToList();

    public object? ToValue()
    {
        var type = System.Type.GetType(Type)
            ?? throw new InvalidOperationException($"Annotation {Name}: unknown type {Type}.");
        return JsonSerializer.Deserialize(Value, type);
    }

    private static bool IsRecordable(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);
}
