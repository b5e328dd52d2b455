using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Plugins;

/// <summary>Every plugin found at start-up, in the order they were started (dependencies first).</summary>
public sealed class PluginCatalog(string pluginsPath, IReadOnlyList<PluginDescriptor> plugins)
{
    public string PluginsPath { get; } = pluginsPath;
    public IReadOnlyList<PluginDescriptor> Plugins { get; } = plugins;
    public IEnumerable<PluginDescriptor> Loaded => Plugins.Where(p => p.IsLoaded);

    public PluginDescriptor? Find(string id) => Plugins.FirstOrDefault(p => p.Id == id);

    internal IEnumerable<PermissionDefinition> Permissions =>
        Loaded.SelectMany(p => p.Registration?.Permissions ?? []);

    internal IEnumerable<(PluginDescriptor Plugin, EntitySetDefinition Set)> EntitySets =>
        Plugins.Where(p => p.Registration is not null)
            .SelectMany(p => p.Registration!.EntitySets.Select(s => (p, s)));

    internal IEnumerable<(PluginDescriptor Plugin, EntityExtensionDefinition Extension)> Extensions =>
        Plugins.Where(p => p.Registration is not null)
            .SelectMany(p => p.Registration!.Extensions.Select(x => (p, x)));

    internal IEnumerable<(PluginDescriptor Plugin, EntityDeclaration Entity)> Entities =>
        Plugins.Where(p => p.Registration is not null)
            .SelectMany(p => p.Registration!.Entities.Select(e => (p, e)));

}
