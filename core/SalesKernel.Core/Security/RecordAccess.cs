using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Records;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>The SDK's view of <see cref="CallerAccess"/>: depths, scoped queries and the caller's team for plugin code.</summary>
public sealed class RecordAccess(RecordPipeline pipeline, EntitySetRegistry sets) : IRecordAccess
{
    public async Task<AccessDepth> DepthAsync<TEntity>(string privilege, CancellationToken cancellationToken = default) where TEntity : class, IEntity
    {
        var set = sets.Get(typeof(TEntity));
        await pipeline.PrepareAsync(cancellationToken);
        return Depth(set, privilege);
    }

    public async Task<IQueryable<TEntity>> ScopeAsync<TEntity>(string privilege = Privileges.Read, CancellationToken cancellationToken = default) where TEntity : class, IEntity
    {
        var set = sets.Get(typeof(TEntity));
        await pipeline.PrepareAsync(cancellationToken);
        return Scoped(pipeline.Db.Set<TEntity>().AsNoTracking(), set, Depth(set, privilege), privilege == Privileges.Read);
    }

    public async Task<bool> CanReadAsync(string entitySet, Guid id, CancellationToken cancellationToken = default)
    {
        if (sets.Find(entitySet) is not { } set) return false;
        await pipeline.PrepareAsync(cancellationToken);
        if (!pipeline.IsEnabled(set.Definition.PluginId)) return false;
        var exists = Data.GenericMethods.Of(typeof(RecordAccess), nameof(ExistsAsync), set.ClrType);
        return await (Task<bool>)exists.Invoke(this, [set, id, cancellationToken])!;
    }

    public async Task<bool> HasPermissionAsync(string permission, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(permission);
        await pipeline.PrepareAsync(cancellationToken);
        // a job, an automation or work as the system has every permission; a caller has what their roles grant
        return !pipeline.ChecksCaller || pipeline.Access.HasPermission(permission);
    }

    public async Task<Guid?> TeamIdAsync(CancellationToken cancellationToken = default)
    {
        await pipeline.PrepareAsync(cancellationToken);
        return pipeline.Access.TeamId;
    }

    public async Task<bool> ReachesUserAsync(string userId, AccessDepth depth, CancellationToken cancellationToken = default)
    {
        await pipeline.PrepareAsync(cancellationToken);
        var tenant = pipeline.Db.Caller.TenantId;
        if (!Guid.TryParse(userId, out var id) || depth == AccessDepth.None) return false;
        var user = await pipeline.Db.Users.AsNoTracking().Where(u => u.Id == id && u.TenantId == tenant && u.IsActive)
            .Select(u => new { u.TeamId }).FirstOrDefaultAsync(cancellationToken);
        if (user is null) return false;
        if (depth == AccessDepth.Tenant || !pipeline.ChecksCaller || userId == pipeline.Db.Caller.UserId) return true;
        return user.TeamId is { } team && depth switch
        {
            AccessDepth.Team => team == pipeline.Access.TeamId,
            AccessDepth.TeamAndBelow => pipeline.Access.ReachesTeam(team),
            _ => false,
        };
    }

    public async Task<IReadOnlyList<Guid>?> TeamsWithinAsync(AccessDepth depth, CancellationToken cancellationToken = default)
    {
        await pipeline.PrepareAsync(cancellationToken);
        if (depth == AccessDepth.Tenant || !pipeline.ChecksCaller) return null;
        return depth switch
        {
            AccessDepth.Team when pipeline.Access.TeamId is { } team => [team],
            AccessDepth.TeamAndBelow => pipeline.Access.TeamAndBelow,
            _ => [],
        };
    }

    public async Task<Guid?> TeamOfUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        if (!Guid.TryParse(userId, out var id)) return null;
        var tenant = pipeline.Db.Caller.TenantId;
        return await pipeline.Db.Users.AsNoTracking().Where(u => u.Id == id && u.TenantId == tenant && u.IsActive)
            .Select(u => u.TeamId).FirstOrDefaultAsync(cancellationToken);
    }

    private AccessDepth Depth(EntitySetDescriptor set, string privilege) =>
        pipeline.ChecksCaller ? pipeline.Access.Depth(set, privilege) : AccessDepth.Tenant;

    private IQueryable<TEntity> Scoped<TEntity>(IQueryable<TEntity> query, EntitySetDescriptor set, AccessDepth depth, bool withShares) where TEntity : class, IEntity
    {
        if (depth == AccessDepth.None) return query.Where(_ => false);
        var record = Expression.Parameter(typeof(TEntity), "r");
        return pipeline.Access.Scope(set, depth, record, withShares) is { } scope
            ? query.Where(Expression.Lambda<Func<TEntity, bool>>(scope, record))
            : query;
    }

    private Task<bool> ExistsAsync<TEntity>(EntitySetDescriptor set, Guid id, CancellationToken cancellationToken) where TEntity : class, IEntity =>
        Scoped(pipeline.Db.Set<TEntity>().AsNoTracking(), set, Depth(set, Privileges.Read), withShares: true).AnyAsync(e => e.Id == id, cancellationToken);
}
