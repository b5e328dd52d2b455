using SalesKernel.Core.Plugins;

namespace SalesKernel.Core.Tenancy;

/// <summary>The dependency rules of per-tenant modules: a plugin on needs its dependencies on, both ways.</summary>
internal static class ModuleGraph
{
    /// <summary>Dependencies (transitively) of the enabled set that are not in it.</summary>
    public static List<string> MissingDependencies(PluginCatalog catalog, IReadOnlySet<string> enabled)
    {
        var missing = new List<string>();
        var pending = new Stack<string>(enabled);
        var seen = new HashSet<string>(enabled);
        while (pending.Count > 0)
        {
            foreach (var dep in catalog.Find(pending.Pop())?.Manifest?.Dependencies ?? [])
            {
                if (!seen.Add(dep.Id)) continue;
                if (!enabled.Contains(dep.Id)) missing.Add(dep.Id);
                pending.Push(dep.Id);
            }
        }
        return missing;
    }

    /// <summary>Enabled plugins that (transitively) need <paramref name="pluginId"/>.</summary>
    public static List<string> EnabledDependents(PluginCatalog catalog, IReadOnlySet<string> enabled, string pluginId)
    {
        var dependents = new List<string>();
        var pending = new Stack<string>([pluginId]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            foreach (var plugin in catalog.Plugins.Where(p => enabled.Contains(p.Id) && p.Manifest?.Dependencies.Any(d => d.Id == current) == true))
            {
                if (dependents.Contains(plugin.Id)) continue;
                dependents.Add(plugin.Id);
                pending.Push(plugin.Id);
            }
        }
        return dependents;
    }
}
