using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// The SDK's <see cref="IExtensions{TContract}"/>: the implementations plugins declared with
/// <c>Implement</c>, of the plugins the caller's tenant has on, lowest order first, then in plugin
/// dependency order, then by id — the same order on every host.
/// </summary>
internal sealed class Extensions<TContract>(PluginCatalog catalog, TenantModules modules, CallerContext caller, IServiceProvider services)
    : IExtensions<TContract> where TContract : class
{
    public async Task<IReadOnlyList<TContract>> ForTenantAsync(CancellationToken cancellationToken = default)
    {
        var loaded = catalog.Loaded.Select((p, i) => (p.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var implementations = catalog.Loaded.SelectMany(p => p.Registration?.Implementations ?? []).Where(i => i.Contract == typeof(TContract)).ToList();
        if (implementations.Count == 0 || caller.TenantId is not { } tenant) return [];
        var enabled = await modules.EnabledAsync(tenant, cancellationToken);
        return implementations.Where(i => enabled.Contains(i.PluginId))
            .OrderBy(i => i.Order).ThenBy(i => loaded[i.PluginId]).ThenBy(i => i.PluginId, StringComparer.Ordinal)
            .Select(i => (TContract)services.GetRequiredService(i.Implementation))
            .ToList();
    }
}
