using System.Text.Json;
using System.Text.Json.Nodes;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// A plugins folder composed for one test from the plugins the build deployed next to the tests,
/// with manifests edited or written by hand to stage each loader case.
/// </summary>
public sealed class PluginFolder : IDisposable
{
    public const string Customers = "SalesKernel.Plugins.Customers";
    public const string Opportunities = "SalesKernel.Plugins.Opportunities";
    public const string Leads = "SalesKernel.Plugins.Leads";
    public const string Activities = "SalesKernel.Plugins.Activities";

    /// <summary>The core sales plugins, as a company running SalesKernel has them.</summary>
    public static readonly string[] Sales = [Customers, Opportunities, Leads, Activities];
    public const string SchemaProbe = "SalesKernel.TestPlugins.SchemaProbe";
    public const string Throwing = "SalesKernel.TestPlugins.Throwing";
    public const string LibV1 = "SalesKernel.TestPlugins.LibV1";
    public const string LibV2 = "SalesKernel.TestPlugins.LibV2";
    public const string Credit = "SalesKernel.TestPlugins.Credit";
    public const string Deals = "SalesKernel.TestPlugins.Deals";
    public const string Pricing = "SalesKernel.TestPlugins.Pricing";
    public const string Quoting = "SalesKernel.TestPlugins.Quoting";

    private static readonly string Built = System.IO.Path.Combine(AppContext.BaseDirectory, "plugins");

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "saleskernel-plugins", Guid.NewGuid().ToString("N"));

    public PluginFolder() => Directory.CreateDirectory(Path);

    /// <summary>Copies a built plugin, optionally editing its manifest and naming its folder.</summary>
    public PluginFolder Add(string builtPlugin, Action<JsonObject>? editManifest = null, string? folder = null)
    {
        var source = System.IO.Path.Combine(Built, builtPlugin);
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"{builtPlugin} was not deployed to {Built}");
        var target = System.IO.Path.Combine(Path, folder ?? builtPlugin);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
        if (editManifest is not null) EditManifest(folder ?? builtPlugin, editManifest);
        return this;
    }

    public PluginFolder EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = System.IO.Path.Combine(Path, folder, "plugin.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return this;
    }

    /// <summary>A folder holding only a manifest (its text as given): enough for cases decided before any code loads.</summary>
    public PluginFolder AddManifestOnly(string folder, string manifestJson)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Path, folder));
        File.WriteAllText(System.IO.Path.Combine(Path, folder, "plugin.json"), manifestJson);
        return this;
    }

    public void Dispose()
    {
        // Loaded plugin assemblies stay mapped for the life of the process; leave what cannot go.
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
