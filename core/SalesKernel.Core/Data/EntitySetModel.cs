using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Data;

/// <summary>What the kernel adds to the model of every entity set and extension.</summary>
internal static class EntitySetModel
{
    public const int UserIdLength = 64;
    public const string TenantColumn = "TenantId";

    /// <summary>Every query of the set sees only the current tenant's rows (EF Core reads the tenant from the context in use).</summary>
    public static void AddTenantFilter(ModelBuilder modelBuilder, EntitySetDefinition set, KernelDbContext context)
    {
        var record = Expression.Parameter(set.ClrType, "r");
        var tenant = Expression.Call(typeof(EF), nameof(EF.Property), [typeof(Guid)], record, Expression.Constant(TenantColumn));
        var current = Expression.Property(Expression.Constant(context), nameof(KernelDbContext.CurrentTenantId));
        modelBuilder.Entity(set.ClrType).HasQueryFilter(Expression.Lambda(Expression.Equal(tenant, current), record));
    }

    /// <summary>
    /// The kernel's columns of a set (tenant, times, authors, version, owner and team, custom fields):
    /// added before the plugin's own model configuration, so a plugin can index them.
    /// </summary>
    public static void AddSystemFields(ModelBuilder modelBuilder, EntitySetDefinition set, string? jsonColumnType)
    {
        var b = modelBuilder.Entity(set.ClrType);
        b.Property<Guid>(TenantColumn);
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
        }
        if (set.AllowsCustomFields)
        {
            var custom = b.Property<string?>(SystemFields.CustomFields);
            if (jsonColumnType is not null) custom.HasColumnType(jsonColumnType);
        }
    }

    /// <summary>
    /// After the plugin's model: every index of the set leads with the tenant (every query is within
    /// one tenant, and a unique index is unique per tenant), and every filter and sort has an index.
    /// </summary>
    public static void AddSystemIndexes(ModelBuilder modelBuilder, EntitySetDefinition set)
    {
        var b = modelBuilder.Entity(set.ClrType);
        var tenant = b.Metadata.FindProperty(TenantColumn)!;
        foreach (var index in b.Metadata.GetIndexes().Where(i => i.Properties[0] != tenant).ToList())
        {
            var unique = index.IsUnique;
            var filter = index.GetFilter();
            b.Metadata.RemoveIndex(index);
            if (b.Metadata.FindIndex([tenant, .. index.Properties]) is not null) continue;
            var prefixed = b.Metadata.AddIndex([tenant, .. index.Properties]);
            prefixed.IsUnique = unique;
            if (filter is not null) prefixed.SetFilter(filter);
        }
        if (set.IsOwned)
        {
            EnsureIndex(b.Metadata, SystemFields.OwnerId);
            EnsureIndex(b.Metadata, SystemFields.TeamId);
        }

        // records in id order (cursor pages, the tie-breaker of every sort) within a tenant
        EnsureIndex(b.Metadata, nameof(IEntity.Id));
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

    public const string DeleteRuleAnnotation = "SalesKernel:DeleteRule";

    /// <summary>
    /// Foreign keys from an entity set to an entity set keep the delete behaviour the plugin declared as
    /// its delete rule (an annotation the pipeline carries out, record by record), and become Restrict in
    /// the database: no delete of a record another refers to happens behind the pipeline's back.
    /// </summary>
    public static void RestrictDeletes(ModelBuilder modelBuilder, IReadOnlySet<Type> entitySets, IReadOnlySet<Type>? lineTypes = null)
    {
        // a document's line that refers to a record of another set (a product) keeps it from being deleted
        // under it: the database refuses (the line goes with its own document, as declared)
        foreach (var entityType in modelBuilder.Model.GetEntityTypes().Where(e => lineTypes?.Contains(e.ClrType) == true))
            foreach (var fk in entityType.GetForeignKeys().Where(f => entitySets.Contains(f.PrincipalEntityType.ClrType)
                         && !(f.Properties.Count == 1 && f.Properties[0].Name == nameof(IDocumentLine.DocumentId))))
                fk.DeleteBehavior = DeleteBehavior.Restrict;
        foreach (var entityType in modelBuilder.Model.GetEntityTypes().Where(e => entitySets.Contains(e.ClrType)))
            foreach (var fk in entityType.GetForeignKeys().Where(f => entitySets.Contains(f.PrincipalEntityType.ClrType)))
            {
                var rule = fk.DeleteBehavior switch
                {
                    DeleteBehavior.Cascade or DeleteBehavior.ClientCascade => DeleteRule.Cascade,
                    DeleteBehavior.SetNull or DeleteBehavior.ClientSetNull => DeleteRule.Detach,
                    _ => DeleteRule.Restrict,
                };
                fk.SetAnnotation(DeleteRuleAnnotation, rule.ToString());
                fk.DeleteBehavior = DeleteBehavior.Restrict;
            }
    }

    /// <summary>An index on (tenant, property): every query of a set is within one tenant.</summary>
    private static void EnsureIndex(IMutableEntityType entityType, string propertyName)
    {
        if (entityType.FindProperty(propertyName) is not { } property) return;
        var tenant = entityType.FindProperty(TenantColumn);
        if (tenant is null)
        {
            if (!entityType.GetIndexes().Any(i => i.Properties[0] == property)) entityType.AddIndex(property);
            return;
        }
        if (entityType.GetIndexes().Any(i => i.Properties.Count > 1 && i.Properties[0] == tenant && i.Properties[1] == property)) return;
        entityType.AddIndex([tenant, property]);
    }
}
