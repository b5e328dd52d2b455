using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary>
/// What one caller may do, as loaded from their user, roles, grants, teams and field rules: immutable,
/// shared by the requests of the same caller until access changes in their tenant.
/// </summary>
internal sealed class AccessSnapshot
{
    public static readonly AccessSnapshot Nobody = new(false, null, null, [], [], [], [], 0, default);

    public AccessSnapshot(bool admin, string? userId, Guid? teamId, HashSet<string> teamAndBelow, (Guid Id, string Code, bool Standard)[] roles,
        Dictionary<(Guid Role, string Permission), AccessDepth> grants, List<FieldRule> fieldRules, long version, SharedStamp shared)
    {
        Admin = admin;
        UserId = userId;
        TeamId = teamId;
        TeamAndBelow = teamAndBelow;
        TeamAndBelowIds = teamAndBelow.Select(Guid.Parse).ToList();
        Roles = roles;
        Grants = grants;
        FieldRules = fieldRules.GroupBy(r => (r.EntitySet, r.Field)).ToDictionary(g => g.Key, g => g.ToDictionary(r => r.RoleId, r => r.Access));
        Version = version;
        Shared = shared;
    }

    public bool Admin { get; }
    public string? UserId { get; }
    public Guid? TeamId { get; }
    public HashSet<string> TeamAndBelow { get; }
    public IReadOnlyList<Guid> TeamAndBelowIds { get; }
    public (Guid Id, string Code, bool Standard)[] Roles { get; }
    public Dictionary<(Guid Role, string Permission), AccessDepth> Grants { get; }
    /// <summary>Per set and field, the restriction each role that has one puts on it.</summary>
    public Dictionary<(string Set, string Field), Dictionary<Guid, FieldAccess>> FieldRules { get; }
    public long Version { get; }
    /// <summary>The shared change stamps it was loaded under (<see cref="ChangeStamps"/>).</summary>
    public SharedStamp Shared { get; }

    /// <summary>Depths already worked out for a permission (roles add up; the highest wins).</summary>
    public ConcurrentDictionary<string, AccessDepth> Depths { get; } = new();
}

/// <summary>
/// The access snapshots of the callers this host has served, so that a request does not reload its
/// caller's user, roles, grants, teams and field rules. Any saved change to those tables moves its
/// tenant's access version, here at once — the very next request of any caller of that tenant loads
/// afresh (<see cref="AccessChangeInterceptor"/>) — and a snapshot is used only while the tenant's shared
/// change stamp is the one it was loaded under, so that a change saved through another host is seen
/// here too (on the next request, or within <see cref="SecurityOptions.StampCacheSeconds"/>: see
/// <see cref="SharedChangeCheck"/>).
/// </summary>
public sealed class AccessSnapshots
{
    /// <summary>More callers than this and the cache starts again: a bound on memory, not a working limit.</summary>
    internal const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<(Guid Tenant, string Who), AccessSnapshot> _cache = new();
    private readonly ConcurrentDictionary<Guid, long> _versions = new();
    private long _all;

    /// <summary>The current access version of a tenant; changes whenever access changes in it (or in every tenant).</summary>
    internal long Version(Guid tenant) => Volatile.Read(ref _all) * 1_000_000_007L + _versions.GetValueOrDefault(tenant);

    internal bool TryGet(Guid tenant, string who, SharedStamp shared, out AccessSnapshot snapshot)
    {
        if (_cache.TryGetValue((tenant, who), out snapshot!) && snapshot.Version == Version(tenant) && snapshot.Shared == shared)
            return true;
        snapshot = null!;
        return false;
    }

    internal void Store(Guid tenant, string who, AccessSnapshot snapshot)
    {
        if (_cache.Count >= MaxEntries) _cache.Clear();
        _cache[(tenant, who)] = snapshot;
    }

    /// <summary>Access changed in a tenant (null: in any tenant, or which one is not known): its snapshots are stale.</summary>
    public void Changed(Guid? tenant)
    {
        if (tenant is { } t) _versions.AddOrUpdate(t, 1, (_, v) => v + 1);
        else Interlocked.Increment(ref _all);
    }
}

/// <summary>
/// Moves the access version of the tenants whose users, roles, grants, role memberships, teams or field
/// rules a save changes: as the save completes, and again when the transaction it ran in commits (a
/// request that loaded between the two would otherwise keep what the transaction had not yet written).
/// The same save writes new shared change stamps (<see cref="ChangeStamp"/>) for those tenants — and
/// for tenants whose row or modules it changes — so that every other host sees the change too.
/// </summary>
internal sealed class AccessChangeInterceptor(AccessSnapshots snapshots, ChangeStamps stamps, TimeProvider clock) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private static readonly HashSet<Type> AccessTypes = [typeof(UserAccount), typeof(Role), typeof(RoleGrant), typeof(UserRole), typeof(Team), typeof(FieldRule)];
    private static readonly HashSet<string> UserAccessProperties =
        [nameof(UserAccount.IsTenantAdmin), nameof(UserAccount.TeamId), nameof(UserAccount.IsActive), nameof(UserAccount.SecurityStamp), nameof(UserAccount.TenantId)];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Collect(eventData.Context) is { Count: > 0 } changed)
            ChangeStamps.StampAsync((KernelDbContext)eventData.Context!, changed, clock.GetUtcNow().UtcDateTime, false, default).AsTask().GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Collect(eventData.Context) is { Count: > 0 } changed)
            await ChangeStamps.StampAsync((KernelDbContext)eventData.Context!, changed, clock.GetUtcNow().UtcDateTime, true, cancellationToken);
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Saved(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>The tenants (null: the installation, or not known) whose access, row or modules this save changes.</summary>
    private static List<Guid?>? Collect(DbContext? context)
    {
        if (context is not KernelDbContext db) return null;
        List<Guid?>? changed = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached) continue;
            var type = entry.Metadata.ClrType;
            if (type == typeof(Tenancy.Tenant) || type == typeof(Tenancy.TenantPlugin))
            {
                // not access, but cached by every host like it: the allow-list, active, settings, modules
                Guid id = entry.Entity is Tenancy.Tenant t ? t.Id : ((Tenancy.TenantPlugin)entry.Entity).TenantId;
                db.AccessChanges.Add(id);
                (changed ??= []).Add(id);
                continue;
            }
            if (!AccessTypes.Contains(type)) continue;
            // a user's sign-in bookkeeping is not their access
            if (entry is { State: EntityState.Modified, Entity: UserAccount }
                && !entry.Properties.Any(p => p.IsModified && UserAccessProperties.Contains(p.Metadata.Name))) continue;
            var tenant = entry.Entity switch
            {
                UserAccount u => u.TenantId,
                Role r => r.TenantId,
                Team t => t.TenantId,
                _ => db.Caller.TenantId,
            };
            db.AccessChanges.Add(tenant);
            (changed ??= []).Add(tenant);
        }
        return changed;
    }

    private void Saved(DbContext? context)
    {
        if (context is not KernelDbContext db || db.AccessChanges.Count == 0) return;
        foreach (var tenant in db.AccessChanges) Changed(tenant);
        if (db.Database.CurrentTransaction is null) db.AccessChanges.Clear();
    }

    private void Ended(DbContext? context)
    {
        if (context is not KernelDbContext db || db.AccessChanges.Count == 0) return;
        foreach (var tenant in db.AccessChanges) Changed(tenant);
        db.AccessChanges.Clear();
    }

    private void Changed(Guid? tenant)
    {
        snapshots.Changed(tenant);
        stamps.Forget(tenant);
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Ended(eventData.Context);

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Ended(eventData.Context);

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData.Context);
        return Task.CompletedTask;
    }
}
