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
    string? Comment,
    bool IsExtension = false)
{
    /// <summary>
    /// What <paramref name="owner"/> owns of a table: all of it but other owners' extension columns
    /// when it owns the table; only its own extension columns (and their indexes and foreign keys)
    /// when another plugin owns the table. Null when it owns nothing there.
    /// </summary>
    public static TableSnapshot? From(ITable table, string owner)
    {
        var tableOwner = SchemaOwnership.OwnerOf(table);
        var columns = table.Columns.Where(c => SchemaOwnership.OwnerOf(c, tableOwner) == owner).ToList();
        var isExtension = tableOwner != owner;
        if (isExtension && columns.Count == 0) return null;
        var owned = columns.ToHashSet();
        return new TableSnapshot(
            table.Name,
            table.Schema,
            owner,
            columns.Select(ColumnSnapshot.From).ToList(),
            !isExtension && table.PrimaryKey is { } pk ? new KeySnapshot(pk.Name, pk.Columns.Select(c => c.Name).ToList()) : null,
            isExtension ? [] : table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey() && u.Columns.All(owned.Contains))
                .Select(u => new KeySnapshot(u.Name, u.Columns.Select(c => c.Name).ToList())).ToList(),
            table.Indexes.Where(i => SchemaOwnership.OwnerOf(i.Columns, tableOwner) == owner)
                .Select(i => new IndexSnapshot(i.Name, i.Columns.Select(c => c.Name).ToList(), i.IsUnique, i.Filter,
                    i.IsDescending?.ToList(), AnnotationSnapshot.From(i.GetAnnotations()))).ToList(),
            table.ForeignKeyConstraints.Where(f => SchemaOwnership.OwnerOf(f.Columns, tableOwner) == owner)
                .Select(f => new ForeignKeySnapshot(f.Name, f.Columns.Select(c => c.Name).ToList(),
                    f.PrincipalTable.Name, f.PrincipalTable.Schema, f.PrincipalColumns.Select(c => c.Name).ToList(), f.OnDeleteAction)).ToList(),
            isExtension ? [] : table.CheckConstraints.Select(c => new CheckSnapshot(c.Name!, c.Sql)).ToList(),
            isExtension ? null : table.Comment,
            isExtension);
    }

    /// <summary>A table with the extension columns other owners recorded for it.</summary>
    public TableSnapshot MergeExtensions(IEnumerable<TableSnapshot> extensions)
    {
        var merged = this with
        {
            Columns = [.. Columns], Indexes = [.. Indexes], ForeignKeys = [.. ForeignKeys],
        };
        foreach (var extension in extensions)
        {
            merged.Columns.AddRange(extension.Columns.Where(c => merged.Columns.All(m => m.Name != c.Name)));
            merged.Indexes.AddRange(extension.Indexes);
            merged.ForeignKeys.AddRange(extension.ForeignKeys);
        }
        return merged;
    }
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
