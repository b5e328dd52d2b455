using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Tenancy;

/// <summary>
/// Which plugins each tenant has switched on, cached while the tenant's shared change stamp stays the
/// same (<see cref="Security.ChangeStamps"/>): a change made through this host is seen at once, one made
/// through another host sharing the database on the next request there (or within the stamp interval).
/// </summary>
public sealed class TenantModules(Security.ChangeStamps stamps)
{
    private readonly ConcurrentDictionary<Guid, Entry> _cache = new();

    public async Task<IReadOnlySet<string>> EnabledAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var shared = await stamps.CurrentAsync(tenantId, cancellationToken);
        if (_cache.TryGetValue(tenantId, out var entry) && entry.Shared == shared) return entry.Plugins;
        await using var lease = stamps.Context();
        var db = lease.Db;
        var enabled = await db.AcrossTenants<TenantPlugin>().AsNoTracking().Where(p => p.TenantId == tenantId && p.Enabled).Select(p => p.PluginId).ToListAsync(cancellationToken);
        var plugins = enabled.ToHashSet(StringComparer.Ordinal);
        _cache[tenantId] = new Entry(shared, plugins);
        return plugins;
    }

    public void Invalidate(Guid tenantId) => _cache.TryRemove(tenantId, out _);

    private sealed record Entry(Security.SharedStamp Shared, IReadOnlySet<string> Plugins);
}
