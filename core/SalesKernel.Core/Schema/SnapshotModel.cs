using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace SalesKernel.Core.Schema;

/// <summary>
/// Turns recorded tables back into an EF Core model (one property-bag entity per table, one property
/// per column, every facet set explicitly), built with the provider's conventions so that it yields
/// the same relational model the live model does where nothing changed.
/// </summary>
internal static class SnapshotModel
{
    public static IRelationalModel? Build(DbContext context, IReadOnlyCollection<TableSnapshot> recorded)
    {
        // extension columns recorded by other owners join their base table
        var tables = recorded.Where(t => !t.IsExtension)
            .Select(t => t.MergeExtensions(recorded.Where(x => x.IsExtension && x.Name == t.Name)))
            .ToList();
        if (tables.Count == 0) return null;
        var modelBuilder = new ModelBuilder(
            context.GetService<IConventionSetBuilder>().CreateConventionSet(),
            context.GetService<ModelDependencies>());

        var known = tables.Select(t => t.Name).ToHashSet();
        foreach (var table in tables)
            modelBuilder.SharedTypeEntity<Dictionary<string, object>>(table.Name, b => Configure(b, table));

        foreach (var table in tables)
        {
            foreach (var fk in table.ForeignKeys.Where(f => known.Contains(f.PrincipalTable)))
            {
                modelBuilder.SharedTypeEntity<Dictionary<string, object>>(table.Name)
                    .HasOne(fk.PrincipalTable, null)
                    .WithMany()
                    .HasForeignKey(fk.Columns.ToArray())
                    .HasPrincipalKey(fk.PrincipalColumns.ToArray())
                    .HasConstraintName(fk.Name)
                    .OnDelete(ToDeleteBehavior(fk.OnDelete));
            }
        }

        var model = modelBuilder.FinalizeModel();
        return context.GetService<IModelRuntimeInitializer>().Initialize(model, designTime: true).GetRelationalModel();
    }

    private static void Configure(EntityTypeBuilder<Dictionary<string, object>> b, TableSnapshot table)
    {
        b.ToTable(table.Name, table.Schema);
        if (table.Comment is not null) b.ToTable(t => t.HasComment(table.Comment));
        foreach (var check in table.CheckConstraints ?? []) b.ToTable(t => t.HasCheckConstraint(check.Name, check.Sql));

        foreach (var column in table.Columns)
        {
            var clr = column.ResolveClrType();
            if (column.Nullable && clr.IsValueType) clr = typeof(Nullable<>).MakeGenericType(clr);
            var p = b.IndexerProperty(clr, column.Name)
                .HasColumnName(column.Name)
                .HasColumnType(column.StoreType)
                .IsRequired(!column.Nullable);
            switch (column.ValueGenerated)
            {
                case ValueGenerated.OnAdd: p.ValueGeneratedOnAdd(); break;
                case ValueGenerated.OnUpdate: p.ValueGeneratedOnUpdate(); break;
                case ValueGenerated.OnAddOrUpdate: p.ValueGeneratedOnAddOrUpdate(); break;
                case ValueGenerated.OnUpdateSometimes: p.ValueGeneratedOnUpdateSometimes(); break;
                default: p.ValueGeneratedNever(); break;
            }
            if (column.MaxLength is { } max) p.HasMaxLength(max);
            if (column.Precision is { } precision)
            {
                if (column.Scale is { } scale) p.HasPrecision(precision, scale);
                else p.HasPrecision(precision);
            }
            if (column.Unicode is { } unicode) p.IsUnicode(unicode);
            if (column.FixedLength is { } fixedLength) p.IsFixedLength(fixedLength);
            if (column.DefaultValueSql is not null) p.HasDefaultValueSql(column.DefaultValueSql);
            if (column.DefaultValueJson is not null)
                p.HasDefaultValue(JsonSerializer.Deserialize(column.DefaultValueJson, Nullable.GetUnderlyingType(clr) ?? clr));
            if (column.ComputedSql is not null) p.HasComputedColumnSql(column.ComputedSql, column.Stored);
            if (column.Collation is not null) p.UseCollation(column.Collation);
            if (column.Comment is not null) p.HasComment(column.Comment);
            if (column.Order is not null) p.HasColumnOrder(column.Order);
            foreach (var annotation in column.Annotations) p.HasAnnotation(annotation.Name, annotation.ToValue());
        }

        if (table.PrimaryKey is { } pk) b.HasKey(pk.Columns.ToArray()).HasName(pk.Name);
        else b.HasNoKey();
        foreach (var unique in table.UniqueConstraints) b.HasAlternateKey(unique.Columns.ToArray()).HasName(unique.Name);
        foreach (var index in table.Indexes)
        {
            var i = b.HasIndex(index.Columns.ToArray(), index.Name).HasDatabaseName(index.Name).IsUnique(index.Unique);
            if (index.Filter is not null) i.HasFilter(index.Filter);
            if (index.Descending is not null) i.IsDescending(index.Descending.ToArray());
            foreach (var annotation in index.Annotations) i.HasAnnotation(annotation.Name, annotation.ToValue());
        }
    }

    private static DeleteBehavior ToDeleteBehavior(ReferentialAction action) => action switch
    {
        ReferentialAction.Cascade => DeleteBehavior.Cascade,
        ReferentialAction.SetNull => DeleteBehavior.SetNull,
        ReferentialAction.Restrict => DeleteBehavior.Restrict,
        _ => DeleteBehavior.NoAction,
    };
}
