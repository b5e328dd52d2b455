using System.Reflection;
using System.Runtime.Loader;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// What the project adds to McMaster.NETCore.Plugins' load contexts: which assemblies a plugin shares
/// with the host, which stay its own, and the context through which a plugin sees the main assemblies
/// of the plugins it depends on.
/// </summary>
/// <remarks>
/// Each plugin is loaded by McMaster's <c>PluginLoader</c> with <c>PreferSharedTypes</c> on: an
/// assembly resolves from the plugin's "default" context unless it is one of the plugin's private
/// assemblies, which resolve from its folder through its <c>.deps.json</c>. The private ones are the
/// assemblies the plugin carries (<see cref="PrivateAssemblyNames"/>) less those every plugin shares
/// (<see cref="SharedAssemblyNames"/>) and those of its dependencies; its "default" context is a
/// <see cref="DependencyContext"/> that answers the dependencies' main assemblies from their own
/// contexts and everything else from the host. McMaster shares only what it is told, loading each
/// named assembly and its references at once; naming the whole shared framework would load all of it
/// into every host, so the private side is what is named.
/// </remarks>
internal static class PluginSharing
{
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
                    pending.Push(AssemblyLoadContext.Default.LoadFromAssemblyName(reference));
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    names.Add(reference.Name!); // an optional reference the host does not ship: still never private
                }
            }
        }
        return names;
    }

    /// <summary>
    /// The assemblies a plugin carries that stay its own: every assembly in its folder (and the
    /// <c>runtimes/</c> folders under it) but those shared with the host and the main assemblies of
    /// its dependencies, which must keep their identity even when the plugin's build copied them.
    /// </summary>
    public static IEnumerable<AssemblyName> PrivateAssemblyNames(string directory, IReadOnlySet<string> shared, IReadOnlyDictionary<string, Assembly> dependencies) =>
        Directory.EnumerateFiles(directory, "*.dll", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(name => !name.EndsWith(".resources", StringComparison.OrdinalIgnoreCase) && !shared.Contains(name) && !dependencies.ContainsKey(name))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(name => new AssemblyName(name));

    /// <summary>
    /// The context a plugin's McMaster context treats as the host's: the main assemblies of the
    /// plugins it depends on come from their own contexts (a plugin may use another's entity types);
    /// every other name falls through to the host's default context. Collectible when the plugins'
    /// contexts are (a context that is not may not bind to one that is).
    /// </summary>
    public sealed class DependencyContext(string pluginId, IReadOnlyDictionary<string, Assembly> dependencies, bool collectible)
        : AssemblyLoadContext($"plugin-dependencies:{pluginId}", collectible)
    {
        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } name && dependencies.TryGetValue(name, out var assembly) ? assembly : null;
    }
}
