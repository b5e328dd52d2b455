using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Tenancy;

/// <summary>
/// Which plugins each tenant has switched on, cached: a change made through this host is seen at
/// once, one made through another host sharing the database within <see cref="MaxAge"/>.
/// </summary>
public sealed class TenantModules(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<Guid, Entry> _cache = new();

    public async Task<IReadOnlySet<string>> EnabledAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(tenantId, out var entry) && clock.GetUtcNow() - entry.LoadedAt < MaxAge) return entry.Plugins;
        var loadedAt = clock.GetUtcNow();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var enabled = await db.AcrossTenants<TenantPlugin>().AsNoTracking().Where(p => p.TenantId == tenantId && p.Enabled).Select(p => p.PluginId).ToListAsync(cancellationToken);
        var plugins = enabled.ToHashSet(StringComparer.Ordinal);
        _cache.AddOrUpdate(tenantId, new Entry(loadedAt, plugins), (_, old) => old.LoadedAt > loadedAt ? old : new Entry(loadedAt, plugins));
        return _cache[tenantId].Plugins;
    }

    public void Invalidate(Guid tenantId) => _cache.TryRemove(tenantId, out _);

    private sealed record Entry(DateTimeOffset LoadedAt, IReadOnlySet<string> Plugins);
}
