using System.Reflection;

namespace SalesKernel.Tests.Host;

/// <summary>The layers' arrows point one way: plugins → SDK; core → SDK; host → core, SDK.</summary>
public sealed class LayerTests
{
    private static readonly string PluginsDir = Path.Combine(AppContext.BaseDirectory, "plugins");

    [Fact]
    public void The_SDK_references_neither_core_host_nor_any_plugin()
    {
        var references = Names(typeof(SalesKernel.Sdk.ISalesKernelPlugin).Assembly);
        Assert.DoesNotContain(references, r => r.StartsWith("SalesKernel.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_SDK_version_its_assembly_and_every_plugins_range_agree()
    {
        var current = Semver.SemVersion.Parse(SalesKernel.Sdk.SdkVersion.Current, Semver.SemVersionStyles.Strict);
        var assembly = typeof(SalesKernel.Sdk.SdkVersion).Assembly.GetName().Version!;
        Assert.Equal(SalesKernel.Sdk.SdkVersion.Current, $"{assembly.Major}.{assembly.Minor}.{assembly.Build}");
        var manifests = Directory.GetFiles(PluginsDir, "plugin.json", SearchOption.AllDirectories);
        Assert.NotEmpty(manifests);
        foreach (var manifest in manifests)
        {
            var range = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!["sdk"]!.GetValue<string>();
            Assert.True(Semver.SemVersionRange.ParseNpm(range).Contains(current), $"{manifest}: sdk {range} does not take {current}");
            Assert.StartsWith($"^{current.Major}.", range); // built against this major version
        }
    }

    [Fact]
    public void Core_and_host_reference_no_business_plugin()
    {
        foreach (var assembly in new[] { typeof(SalesKernel.Core.Plugins.PluginLoader).Assembly, typeof(Program).Assembly })
            Assert.DoesNotContain(Names(assembly), r => r.Contains(".Plugins.", StringComparison.Ordinal) || r.Contains("TestPlugins", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_built_plugin_references_neither_core_nor_host()
    {
        var plugins = Directory.GetDirectories(PluginsDir);
        Assert.NotEmpty(plugins);
        foreach (var dir in plugins)
        {
            var name = Path.GetFileName(dir);
            var references = Names(AssemblyName.GetAssemblyName(Path.Combine(dir, name + ".dll")), dir);
            Assert.DoesNotContain("SalesKernel.Core", references);
            Assert.DoesNotContain("SalesKernel.Host", references);
        }
    }

    private static string[] Names(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    private static string[] Names(AssemblyName name, string dir)
    {
        var context = new System.Runtime.Loader.AssemblyLoadContext(name.Name, isCollectible: true);
        try
        {
            return context.LoadFromAssemblyPath(Path.Combine(dir, name.Name + ".dll")).GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        }
        finally
        {
            context.Unload();
        }
    }
}
