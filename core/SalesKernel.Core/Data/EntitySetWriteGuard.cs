using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace SalesKernel.Core.Data;

/// <summary>
/// Refuses a save that writes entity-set records outside the write pipeline — a plugin that changes a
/// tracked record and calls <c>SaveChanges</c> on an injected context would skip validation, handlers,
/// audit and events. The save fails, and nothing of it is written.
/// </summary>
internal sealed class EntitySetWriteGuard : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Check(DbContext? context)
    {
        if (context is not KernelDbContext db) return;
        StampTenant(db);
        if (db.IsPipelineWrite) return;
        // a document's lines are part of it: written with it, through the pipeline
        var sets = db.Catalog.EntitySets.Select(s => s.Set.ClrType)
            .Concat(db.Catalog.EntitySets.Where(s => s.Set.Lines is not null).Select(s => s.Set.Lines!.LineType)).ToHashSet();
        if (sets.Count == 0) return;
        db.ChangeTracker.DetectChanges();
        var written = db.ChangeTracker.Entries()
            .FirstOrDefault(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && sets.Contains(e.Metadata.ClrType));
        if (written is not null)
            throw new InvalidOperationException(
                $"{written.Metadata.ClrType.Name} is an entity set (or a document's lines): its records are written through IEntityStore (validation, handlers, audit, events), " +
                "not by SaveChanges on a context.");
    }

    /// <summary>New rows of a plugin's own tenant table get the caller's tenant; without one there is nobody to give them to.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel, object> Stamped = new();

    private static void StampTenant(KernelDbContext db)
    {
        var any = (bool)Stamped.GetValue(db.Model, m => m.GetEntityTypes().Any(t => t.FindAnnotation(TenantData.StampAnnotation) is not null));
        if (!any) return;
        foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added && e.Metadata.FindAnnotation(TenantData.StampAnnotation) is not null))
        {
            var tenant = entry.Property(EntitySetModel.TenantColumn);
            if (tenant.CurrentValue is Guid id && id != Guid.Empty) continue;
            tenant.CurrentValue = db.CurrentTenantId != Guid.Empty ? db.CurrentTenantId
                : throw new InvalidOperationException($"A {entry.Metadata.ClrType.Name} is a tenant's: write it while acting for one.");
        }
    }
}
