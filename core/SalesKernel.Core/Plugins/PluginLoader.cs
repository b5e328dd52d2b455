using System.Reflection;
using Microsoft.Extensions.Configuration;
using Semver;
using McMasterLoader = McMaster.NETCore.Plugins.PluginLoader;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Plugins;

/// <summary>
/// Finds plugin folders, decides from their manifests which can run, loads each into its own
/// context in dependency order and runs its <see cref="ISalesKernelPlugin.Configure"/>. A plugin that
/// cannot run is marked failed with the reason, and so is every plugin that depends on it.
/// </summary>
public sealed class PluginLoader(string pluginsPath, IConfiguration configuration)
{
    private static readonly SemVersion HostSdk = SemVersion.Parse(SdkVersion.Current, SemVersionStyles.Strict);

    public PluginCatalog Load()
    {
        var found = Discover();
        var disabled = configuration.GetSection("SalesKernel:Plugins:Disabled").Get<string[]>() ?? [];
        var byId = new Dictionary<string, PluginDescriptor>();

        foreach (var plugin in found)
        {
            if (plugin.Manifest is null) continue;
            if (byId.TryGetValue(plugin.Id, out var first))
            {
                plugin.Fail($"another plugin with id '{plugin.Id}' was found first, in {first.Directory}");
                continue;
            }
            byId[plugin.Id] = plugin;
            if (disabled.Contains(plugin.Id, StringComparer.OrdinalIgnoreCase))
                plugin.Disable("disabled in configuration (SalesKernel:Plugins:Disabled)");
            else if (!plugin.Manifest.Sdk.Contains(HostSdk))
                plugin.Fail($"requires SDK {plugin.Manifest.SdkRange} but this host provides SDK {SdkVersion.Current}");
        }

        CheckDependencies(byId);
        var ordered = DependencyOrder(byId);
        // SQL Server's provider only when it is the one in use: walking it loads SqlClient and its identity libraries
        System.Reflection.Assembly[] roots = string.Equals(configuration["SalesKernel:Database:Provider"], "SqlServer", StringComparison.OrdinalIgnoreCase)
            ? [typeof(ISalesKernelPlugin).Assembly, typeof(Microsoft.EntityFrameworkCore.SqliteDbContextOptionsBuilderExtensions).Assembly,
                typeof(Microsoft.EntityFrameworkCore.NpgsqlDbContextOptionsBuilderExtensions).Assembly, typeof(Microsoft.EntityFrameworkCore.SqlServerDbContextOptionsExtensions).Assembly]
            : [typeof(ISalesKernelPlugin).Assembly, typeof(Microsoft.EntityFrameworkCore.SqliteDbContextOptionsBuilderExtensions).Assembly,
                typeof(Microsoft.EntityFrameworkCore.NpgsqlDbContextOptionsBuilderExtensions).Assembly];
        var sharedAssemblies = PluginSharing.SharedAssemblyNames(roots);
        foreach (var plugin in ordered)
        {
            if (!plugin.IsLoaded) continue;
            if (FirstUnavailableDependency(plugin, byId) is { } dep)
            {
                plugin.Fail($"dependency '{dep.Id}' is {dep.State.ToString().ToLowerInvariant()}: {dep.Reason}");
                continue;
            }
            Start(plugin, byId, sharedAssemblies);
        }

        var listed = ordered.Concat(found.Where(p => !ordered.Contains(p))).ToList();
        return new PluginCatalog(pluginsPath, listed);
    }

    private List<PluginDescriptor> Discover()
    {
        var result = new List<PluginDescriptor>();
        if (!Directory.Exists(pluginsPath)) return result;
        foreach (var dir in Directory.GetDirectories(pluginsPath).Order(StringComparer.Ordinal))
        {
            var manifestPath = Path.Combine(dir, PluginManifest.FileName);
            if (!File.Exists(manifestPath)) continue;
            var plugin = new PluginDescriptor(dir);
            try
            {
                plugin.Manifest = PluginManifest.Parse(File.ReadAllText(manifestPath));
            }
            catch (ManifestException e)
            {
                plugin.Fail($"malformed manifest: {e.Message}");
            }
            result.Add(plugin);
        }
        return result;
    }

    private static void CheckDependencies(Dictionary<string, PluginDescriptor> byId)
    {
        foreach (var plugin in byId.Values.Where(p => p.IsLoaded))
        {
            foreach (var dep in plugin.Manifest!.Dependencies)
            {
                if (!byId.TryGetValue(dep.Id, out var target))
                {
                    plugin.Fail($"missing dependency '{dep.Id}' ({dep.RangeText})");
                    break;
                }
                if (!dep.Range.Contains(target.Manifest!.Version))
                {
                    plugin.Fail($"dependency '{dep.Id}' must be {dep.RangeText} but version {target.Version} is installed");
                    break;
                }
            }
        }

        foreach (var cycle in FindCycles(byId))
        {
            var path = string.Join(" -> ", cycle.Append(cycle[0]));
            foreach (var id in cycle) byId[id].Fail($"dependency cycle: {path}");
        }
    }

    /// <summary>Each strongly connected group of plugins that depend on one another.</summary>
    private static List<List<string>> FindCycles(Dictionary<string, PluginDescriptor> byId)
    {
        var cycles = new List<List<string>>();
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = done
        var stack = new List<string>();

        void Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (var dep in byId[id].Manifest!.Dependencies.Where(d => byId.ContainsKey(d.Id)))
            {
                state.TryGetValue(dep.Id, out var s);
                if (s == 0) Visit(dep.Id);
                else if (s == 1) cycles.Add(stack.Skip(stack.IndexOf(dep.Id)).ToList());
            }
            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
        }

        foreach (var id in byId.Keys.Order(StringComparer.Ordinal))
            if (!state.ContainsKey(id)) Visit(id);
        return cycles;
    }

    /// <summary>Dependencies before dependents; ties broken by id so the order is the same every start.</summary>
    private static List<PluginDescriptor> DependencyOrder(Dictionary<string, PluginDescriptor> byId)
    {
        var ordered = new List<PluginDescriptor>();
        var placed = new HashSet<string>();
        var remaining = byId.Values.OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(p =>
                p.Manifest!.Dependencies.All(d => placed.Contains(d.Id) || !byId.ContainsKey(d.Id)))
                ?? remaining[0]; // only members of a cycle are left: they are failed already
            ordered.Add(next);
            placed.Add(next.Id);
            remaining.Remove(next);
        }
        return ordered;
    }

    private static PluginDescriptor? FirstUnavailableDependency(PluginDescriptor plugin, Dictionary<string, PluginDescriptor> byId) =>
        plugin.Manifest!.Dependencies.Select(d => byId[d.Id]).FirstOrDefault(d => !d.IsLoaded);

    private void Start(PluginDescriptor plugin, Dictionary<string, PluginDescriptor> byId, IReadOnlySet<string> sharedAssemblies)
    {
        var manifest = plugin.Manifest!;
        var assemblyPath = MainAssemblyPath(plugin);
        if (assemblyPath is null) return;

        ISalesKernelPlugin entry;
        try
        {
            var dependencyAssemblies = new Dictionary<string, System.Reflection.Assembly>();
            foreach (var dep in manifest.Dependencies.Select(d => byId[d.Id].Assembly!))
                if (!dependencyAssemblies.TryAdd(dep.GetName().Name!, dep))
                    throw new InvalidOperationException($"two of its dependencies are built as the same assembly {dep.GetName().Name}");
            // McMaster's context for the plugin: shared types preferred from the host (and the dependencies'
            // contexts), the plugin's own assemblies from its folder
            var unloadable = configuration.GetValue("SalesKernel:Plugins:Unloadable", false);
            var loader = McMasterLoader.CreateFromAssemblyFile(assemblyPath, config =>
            {
                config.PreferSharedTypes = true;
                config.IsUnloadable = unloadable;
                if (dependencyAssemblies.Count > 0) config.DefaultContext = new PluginSharing.DependencyContext(plugin.Id, dependencyAssemblies, unloadable);
                else config.DefaultContext = System.Runtime.Loader.AssemblyLoadContext.Default;
                foreach (var name in PluginSharing.PrivateAssemblyNames(plugin.Directory, sharedAssemblies, dependencyAssemblies))
                    config.PrivateAssemblies.Add(name);
            });
            plugin.Loader = loader;
            var assembly = loader.LoadDefaultAssembly();
            var entryTypes = assembly.GetExportedTypes()
                .Where(t => typeof(ISalesKernelPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                .ToList();
            if (entryTypes.Count != 1)
            {
                plugin.Fail(entryTypes.Count == 0
                    ? $"{Path.GetFileName(assemblyPath)} has no public class implementing {nameof(ISalesKernelPlugin)}"
                    : $"{Path.GetFileName(assemblyPath)} has {entryTypes.Count} classes implementing {nameof(ISalesKernelPlugin)}; exactly one is allowed");
                return;
            }
            plugin.Assembly = assembly;
            entry = (ISalesKernelPlugin)Activator.CreateInstance(entryTypes[0])!;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            plugin.Fail($"could not load {Path.GetFileName(assemblyPath)}: {Describe(e)}");
            return;
        }

        var settings = configuration.GetSection($"SalesKernel:Plugins:Settings:{manifest.Id}");
        var registration = new PluginRegistration(plugin.Info, settings);
        try
        {
            entry.Configure(registration);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            plugin.Fail($"Configure threw {Describe(e)}");
            return;
        }

        plugin.Registration = registration;
    }

    private static string? MainAssemblyPath(PluginDescriptor plugin)
    {
        var manifest = plugin.Manifest!;
        if (manifest.Assembly is { } named)
        {
            var path = Path.Combine(plugin.Directory, named);
            if (File.Exists(path)) return path;
            plugin.Fail($"the assembly '{named}' named in plugin.json is not in {plugin.Directory}");
            return null;
        }

        // Without an explicit name, the plugin's build output tells: <Assembly>.deps.json sits beside it.
        var candidates = Directory.GetFiles(plugin.Directory, "*.deps.json")
            .Select(deps => Path.Combine(plugin.Directory, Path.GetFileName(deps)[..^".deps.json".Length] + ".dll"))
            .Where(File.Exists)
            .ToList();
        if (candidates.Count == 1) return candidates[0];
        plugin.Fail(candidates.Count == 0
            ? $"no plugin assembly found in {plugin.Directory}; name it with \"assembly\" in plugin.json"
            : $"several assemblies could be the plugin in {plugin.Directory}; name one with \"assembly\" in plugin.json");
        return null;
    }

    private static string Describe(Exception e)
    {
        if (e is TargetInvocationException { InnerException: { } inner }) e = inner;
        return $"{e.GetType().Name}: {e.Message}";
    }
}
