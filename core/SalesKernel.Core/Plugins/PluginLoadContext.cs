using System.Reflection;
using System.Runtime.Loader;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// One load context per plugin. What every plugin shares with the host (the SDK, the shared framework,
/// EF Core and the database providers) resolves from the default context so types keep their identity;
/// the main assemblies of the plugin's dependencies come from their own contexts; everything else
/// comes from the plugin's folder, so two plugins may carry different versions of one library.
/// </summary>
internal sealed class PluginLoadContext(
    string pluginId,
    string mainAssemblyPath,
    IReadOnlySet<string> sharedAssemblies,
    IReadOnlyDictionary<string, Assembly> dependencyAssemblies)
    : AssemblyLoadContext($"plugin:{pluginId}", isCollectible: false)
{
    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? "";
        if (sharedAssemblies.Contains(name)) return null;
        if (dependencyAssemblies.TryGetValue(name, out var fromDependency)) return fromDependency;
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    /// <summary>
    /// Simple names of the assemblies every plugin shares with the host: the shared framework (.NET
    /// and ASP.NET Core), the SDK and everything its public surface is built on (EF Core …), and the
    /// database providers. Any other library a plugin carries stays private to it, even when the
    /// host happens to ship another version of it.
    /// </summary>
    public static IReadOnlySet<string> SharedAssemblyNames(params Assembly[] roots)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sharedRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location)))!;
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                if (path.StartsWith(sharedRoot, StringComparison.Ordinal))
                    names.Add(Path.GetFileNameWithoutExtension(path));

        var pending = new Stack<Assembly>(roots);
        while (pending.Count > 0)
        {
            var assembly = pending.Pop();
            if (!names.Add(assembly.GetName().Name!) && !roots.Contains(assembly)) continue;
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (names.Contains(reference.Name!)) continue;
                try
                {
                    pending.Push(Default.LoadFromAssemblyName(reference));
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    names.Add(reference.Name!); // an optional reference the host does not ship: still never private
                }
            }
        }
        return names;
    }
}
