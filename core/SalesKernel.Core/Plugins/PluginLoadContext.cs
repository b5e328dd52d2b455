using System.Reflection;
using System.Runtime.Loader;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// One load context per plugin. Whatever the host already ships (the SDK, the shared framework, EF
/// Core and the database providers) resolves from the default context so types keep their identity;
/// the main assemblies of the plugin's dependencies come from their own contexts; everything else
/// comes from the plugin's folder, so two plugins may carry different versions of one library.
/// </summary>
internal sealed class PluginLoadContext(
    string pluginId,
    string mainAssemblyPath,
    IReadOnlySet<string> hostAssemblies,
    IReadOnlyDictionary<string, Assembly> dependencyAssemblies)
    : AssemblyLoadContext($"plugin:{pluginId}", isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? "";
        if (hostAssemblies.Contains(name)) return null;
        if (dependencyAssemblies.TryGetValue(name, out var fromDependency)) return fromDependency;
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    /// <summary>Simple names of every assembly the host process can load by itself.</summary>
    public static IReadOnlySet<string> HostAssemblyNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                names.Add(Path.GetFileNameWithoutExtension(path));
        foreach (var assembly in Default.Assemblies)
            if (assembly.GetName().Name is { } n) names.Add(n);
        return names;
    }
}
