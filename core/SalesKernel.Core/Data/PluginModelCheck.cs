using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Plugins;

namespace SalesKernel.Core.Data;

/// <summary>
/// Makes sure one plugin's broken entity configuration cannot stop the host: the shared model is
/// built once with every configured plugin; only if that fails are plugins added one at a time, in
/// dependency order, and each one whose entities make the model invalid is marked failed.
/// </summary>
internal static class PluginModelCheck
{
    public static void FailInvalidModels(PluginCatalog catalog, DbContextOptions<KernelDbContext> options)
    {
        if (TryBuild(catalog, options) is null) return;

        var accepted = new List<PluginDescriptor>();
        foreach (var plugin in catalog.Plugins.Where(p => p.Registration is not null))
        {
            var missing = plugin.Manifest!.Dependencies.FirstOrDefault(d => accepted.All(a => a.Id != d.Id));
            if (missing is not null)
            {
                plugin.Fail($"dependency '{missing.Id}' is failed: {catalog.Find(missing.Id)?.Reason}");
                plugin.Registration = null;
                continue;
            }
            var trial = new PluginCatalog(catalog.PluginsPath, [.. accepted, plugin]);
            if (TryBuild(trial, options) is { } error)
            {
                plugin.Fail($"its entity model is invalid: {error}");
                plugin.Registration = null;
            }
            else accepted.Add(plugin);
        }
    }

    /// <summary>Null when the catalog's model builds and validates, else the reason it does not.</summary>
    private static string? TryBuild(PluginCatalog catalog, DbContextOptions<KernelDbContext> options)
    {
        try
        {
            using var context = new KernelDbContext(options, catalog, Security.CallerContext.None);
            _ = context.Model;
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e.Message;
        }
    }
}
