using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Security;

namespace SalesKernel.Core.Data;

/// <summary>
/// Tenant isolation by construction: every table that holds a tenant's data — the kernel's and the
/// plugins' — carries the tenant and a global query filter on it, so a query sees the caller's tenant
/// only, whoever wrote it. The installation's own tables say so, with the reason, in an annotation; a
/// test fails on any table that does neither. Reading across tenants is one named call:
/// <see cref="KernelDbContext.AcrossTenants{T}"/>.
/// </summary>
internal static class TenantData
{
    /// <summary>On an entity type: why its rows belong to the installation, not to a tenant.</summary>
    public const string InstallationAnnotation = "SalesKernel:Installation";
    /// <summary>On a plugin's own entity type: the kernel stamps the tenant on its new rows.</summary>
    public const string StampAnnotation = "SalesKernel:StampTenant";

    public static void Apply(ModelBuilder modelBuilder, KernelDbContext db)
    {
        Installation<Schema.SchemaHistoryEntry>(modelBuilder, "the schema of the installation");
        Installation<Tenancy.Tenant>(modelBuilder, "the tenants themselves");
        Installation<Jobs.JobSchedule>(modelBuilder, "one schedule per declared job, for every tenant");
        Installation<RefreshToken>(modelBuilder, "found by its hash before the caller is known; each belongs to a user");
        Installation<ChangeStamp>(modelBuilder, "one row per tenant, read by every host before the caller's access is known");
        Installation<SignInWindow>(modelBuilder, "sign-in attempts per client address, before the caller is known");
        Installation<SignInFailure>(modelBuilder, "failed sign-ins per client address and account, before the caller is known");
        Installation<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>(modelBuilder, "the key ring that protects every tenant's tokens and secrets");

        foreach (var entityType in modelBuilder.Model.GetEntityTypes().Where(e => e.ClrType.Assembly == typeof(TenantData).Assembly).ToList())
        {
            if (entityType.FindAnnotation(InstallationAnnotation) is not null) continue;
            if (entityType.FindProperty(EntitySetModel.TenantColumn) is not { } tenant) continue;
            modelBuilder.Entity(entityType.ClrType).HasQueryFilter(Filter(entityType.ClrType, tenant.ClrType, db));
        }
        // the tables of a role's grants, field rules and members belong to the role's tenant
        modelBuilder.Entity<RoleGrant>().HasQueryFilter(g => db.Roles.Any(r => r.Id == g.RoleId && r.TenantId == db.CurrentTenantId));
        modelBuilder.Entity<FieldRule>().HasQueryFilter(f => db.Roles.Any(r => r.Id == f.RoleId && r.TenantId == db.CurrentTenantId));
        modelBuilder.Entity<UserRole>().HasQueryFilter(u => db.Roles.Any(r => r.Id == u.RoleId && r.TenantId == db.CurrentTenantId));
    }

    /// <summary>A plugin's own table (<c>AddEntity</c>): a tenant column, its index and the filter, unless the plugin declared it the installation's.</summary>
    public static void ApplyToPluginEntity(ModelBuilder modelBuilder, EntityDeclaration entity, KernelDbContext db)
    {
        var builder = modelBuilder.Entity(entity.ClrType);
        if (entity.InstallationReason is { } reason)
        {
            builder.HasAnnotation(InstallationAnnotation, reason);
            return;
        }
        // seed data is refused with its own reason when the schema is applied; a tenant column would only make it invalid first
        if (builder.Metadata.GetSeedData().Any()) return;
        var tenant = builder.Metadata.FindProperty(EntitySetModel.TenantColumn);
        if (tenant is null)
        {
            tenant = builder.Property<Guid>(EntitySetModel.TenantColumn).Metadata;
            builder.HasAnnotation(StampAnnotation, true);
        }
        if (!builder.Metadata.GetIndexes().Any(i => i.Properties[0] == tenant)) builder.HasIndex(EntitySetModel.TenantColumn);
        builder.HasQueryFilter(Filter(entity.ClrType, tenant.ClrType, db));
    }

    private static void Installation<T>(ModelBuilder modelBuilder, string reason) where T : class =>
        modelBuilder.Entity<T>().HasAnnotation(InstallationAnnotation, reason);

    /// <summary><c>e =&gt; EF.Property&lt;Guid&gt;(e, "TenantId") == db.CurrentTenantId</c> (nullable tenant columns compared as nullable).</summary>
    private static LambdaExpression Filter(Type clrType, Type tenantType, KernelDbContext db)
    {
        var record = Expression.Parameter(clrType, "e");
        var column = Expression.Call(typeof(EF), nameof(EF.Property), [tenantType], record, Expression.Constant(EntitySetModel.TenantColumn));
        Expression current = Expression.Property(Expression.Constant(db), nameof(KernelDbContext.CurrentTenantId));
        if (tenantType != typeof(Guid)) current = Expression.Convert(current, tenantType);
        return Expression.Lambda(Expression.Equal(column, current), record);
    }
}
