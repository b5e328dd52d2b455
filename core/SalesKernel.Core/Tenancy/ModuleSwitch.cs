using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Core.Tenancy;

/// <summary>Switches a plugin on or off for a tenant under the dependency rules; used by the API and the CLI.</summary>
internal static class ModuleSwitch
{
    public enum Outcome { Changed, UnknownPlugin, DependenciesOff, NeededByOthers }

    public sealed record Result(Outcome Outcome, IReadOnlyList<string> Plugins);

    public static async Task<Result> ApplyAsync(KernelDbContext db, PluginCatalog catalog, TenantModules modules, TimeProvider clock,
        Guid tenant, string pluginId, bool enabled, bool withDependencies, CancellationToken ct)
    {
        if (catalog.Find(pluginId) is not { IsLoaded: true }) return new Result(Outcome.UnknownPlugin, [pluginId]);
        var on = (await db.AcrossTenants<TenantPlugin>().AsNoTracking().Where(p => p.TenantId == tenant && p.Enabled).Select(p => p.PluginId).ToListAsync(ct)).ToHashSet();
        List<string> change;
        if (enabled)
        {
            var missing = ModuleGraph.MissingDependencies(catalog, new HashSet<string>(on) { pluginId });
            if (missing.Count > 0 && !withDependencies) return new Result(Outcome.DependenciesOff, missing);
            change = [.. missing, pluginId];
        }
        else
        {
            var dependents = ModuleGraph.EnabledDependents(catalog, on, pluginId);
            if (dependents.Count > 0) return new Result(Outcome.NeededByOthers, dependents);
            change = [pluginId];
        }
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var id in change)
        {
            var row = await db.AcrossTenants<TenantPlugin>().FirstOrDefaultAsync(p => p.TenantId == tenant && p.PluginId == id, ct);
            if (row is null) db.TenantPlugins.Add(row = new TenantPlugin { TenantId = tenant, PluginId = id });
            row.Enabled = enabled;
            row.ChangedAtUtc = now;
        }
        await db.SaveChangesAsync(ct);
        modules.Invalidate(tenant);
        return new Result(Outcome.Changed, change);
    }
}
