using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Data;

/// <summary>What the kernel adds to the model of every entity set and extension.</summary>
internal static class EntitySetModel
{
    public const int UserIdLength = 64;

    public static void AddSystemFields(ModelBuilder modelBuilder, EntitySetDefinition set, string? jsonColumnType)
    {
        var b = modelBuilder.Entity(set.ClrType);
        b.HasKey(nameof(IEntity.Id));
        b.Property(nameof(IEntity.Id)).ValueGeneratedNever();
        b.Property<DateTime>(SystemFields.CreatedAt);
        b.Property<DateTime>(SystemFields.UpdatedAt);
        b.Property<string?>(SystemFields.CreatedBy).HasMaxLength(UserIdLength);
        b.Property<string?>(SystemFields.UpdatedBy).HasMaxLength(UserIdLength);
        b.Property<long>(SystemFields.Version).IsConcurrencyToken();
        if (set.IsOwned)
        {
            b.Property<string?>(SystemFields.OwnerId).HasMaxLength(UserIdLength);
            b.Property<string?>(SystemFields.TeamId).HasMaxLength(UserIdLength);
            EnsureIndex(b.Metadata, SystemFields.OwnerId);
            EnsureIndex(b.Metadata, SystemFields.TeamId);
        }
        if (set.AllowsCustomFields)
        {
            var custom = b.Property<string?>(SystemFields.CustomFields);
            if (jsonColumnType is not null) custom.HasColumnType(jsonColumnType);
        }

        // every filter and sort the set offers has an index
        EnsureIndex(b.Metadata, SystemFields.CreatedAt);
        EnsureIndex(b.Metadata, SystemFields.UpdatedAt);
        foreach (var field in set.Fields.Where(f => f.IsFilterable || f.IsSortable))
            EnsureIndex(b.Metadata, field.PropertyName);
    }

    public static void AddExtension(ModelBuilder modelBuilder, EntityExtensionDefinition extension)
    {
        foreach (var apply in extension.ModelConfigurations) apply(modelBuilder);
        var entityType = modelBuilder.Entity(extension.ClrType).Metadata;
        foreach (var field in extension.Fields)
        {
            entityType.FindProperty(field.PropertyName)!.SetAnnotation(KernelDbContext.OwnerAnnotation, extension.PluginId);
            if (field.IsFilterable || field.IsSortable) EnsureIndex(entityType, field.PropertyName);
        }
    }

    private static void EnsureIndex(IMutableEntityType entityType, string propertyName)
    {
        if (entityType.FindProperty(propertyName) is not { } property) return;
        if (entityType.GetIndexes().Any(i => i.Properties[0] == property)) return;
        if (entityType.FindPrimaryKey()?.Properties[0] == property) return;
        entityType.AddIndex(property);
    }
}
