using System.Reflection;
using System.Text.RegularExpressions;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Tests.Host;

/// <summary>
/// Every plugin under plugins/ has one shape (docs/plugins.md, "The shape of a plugin"): a plugin author
/// who strays is told where the thing belongs. Read from the sources (folders, namespaces, the entry
/// point) and from the built assemblies (what each type is, and the namespace it lives in).
/// </summary>
public sealed partial class PluginShapeTests
{
    private const string Shape = "a plugin keeps its entity classes and their declarations in Entities/, its handlers, validators and "
        + "duplicate rules in Rules/, the endpoints it adds to the generic ones in Endpoints/, its scheduled jobs in Jobs/, and at its root "
        + "only <Name>Plugin.cs (Configure: declarations only), Permissions.cs, DemoData.cs and Messages.cs — see docs/plugins.md";

    private static readonly string[] Folders = ["Entities", "Rules", "Endpoints", "Jobs"];
    private static readonly string[] RootFiles = ["Permissions.cs", "DemoData.cs", "Messages.cs"];

    private static string PluginsRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "plugins")) && File.Exists(Path.Combine(dir.FullName, "SalesKernel.sln")))
                return Path.Combine(dir.FullName, "plugins");
        throw new InvalidOperationException("the repository's plugins/ folder was not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Plugins()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(PluginsRoot()).Order()) data.Add(Path.GetFileName(dir));
        return data;
    }

    private static IEnumerable<string> Sources(string dir) => Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
        .Where(f => !Path.GetRelativePath(dir, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"));

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Every_file_is_in_its_place_and_its_namespace_follows_its_folder(string plugin)
    {
        var dir = Path.Combine(PluginsRoot(), plugin);
        var project = Directory.GetFiles(dir, "*.csproj").Single();
        var root = Regex.Match(File.ReadAllText(project), "<RootNamespace>(.+)</RootNamespace>").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(root), $"{project}: set <RootNamespace>");
        Assert.True(File.Exists(Path.Combine(dir, "plugin.json")), $"plugins/{plugin}: the manifest plugin.json is missing");
        Assert.True(File.Exists(Path.Combine(dir, "CHANGELOG.md")), $"plugins/{plugin}: write what each version changed in CHANGELOG.md");

        var strays = new List<string>();
        foreach (var file in Sources(dir))
        {
            var relative = Path.GetRelativePath(dir, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            var folder = parts.Length > 1 ? parts[0] : null;
            var name = parts[^1];
            if (folder is null ? !(RootFiles.Contains(name) || name.EndsWith("Plugin.cs", StringComparison.Ordinal)) : !Folders.Contains(folder) || parts.Length > 2)
            {
                strays.Add($"plugins/{plugin}/{relative}: not a place of its own — {Shape}");
                continue;
            }
            var expected = folder is null ? root : $"{root}.{folder}";
            var declared = Regex.Match(File.ReadAllText(file), @"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline).Groups[1].Value;
            if (declared != expected) strays.Add($"plugins/{plugin}/{relative}: namespace {declared}, but a file in {folder ?? "the root"} is in {expected}");
        }
        Assert.True(strays.Count == 0, string.Join("\n", strays));
        Assert.Single(Sources(dir), f => Path.GetDirectoryName(f) == dir && Path.GetFileName(f).EndsWith("Plugin.cs", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Plugins))]
    public void The_entry_point_only_declares(string plugin)
    {
        var dir = Path.Combine(PluginsRoot(), plugin);
        var file = Directory.GetFiles(dir, "*Plugin.cs").Single();
        var text = File.ReadAllText(file);
        var lines = text.Split('\n').Length;
        Assert.True(lines <= 45, $"plugins/{plugin}/{Path.GetFileName(file)} has {lines} lines: the entry point is a screen of declarations; {Shape}");
        var body = ConfigureBody().Match(text);
        Assert.True(body.Success, $"plugins/{plugin}/{Path.GetFileName(file)}: no Configure(IPluginBuilder builder) method");
        foreach (var statement in body.Groups[1].Value.Split(';').Select(s => Regex.Replace(s, @"//[^\n]*", "").Trim()).Where(s => s.Length > 0))
            Assert.True(statement.StartsWith("builder.", StringComparison.Ordinal),
                $"plugins/{plugin}/{Path.GetFileName(file)}: Configure holds \"{statement.Split('\n')[0].Trim()}\", which is not a declaration on the builder; {Shape}");
    }

    [Fact]
    public void Each_kind_of_type_lives_in_its_folders_namespace()
    {
        var built = Path.Combine(AppContext.BaseDirectory, "plugins");
        var wrong = new List<string>();
        var checkedPlugins = 0;
        foreach (var dir in Directory.GetDirectories(built, "SalesKernel.Plugins.*"))
        {
            var name = Path.GetFileName(dir);
            var context = new System.Runtime.Loader.AssemblyLoadContext(name, isCollectible: true);
            context.Resolving += (_, assembly) => File.Exists(Path.Combine(dir, assembly.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(dir, assembly.Name + ".dll"))
                : File.Exists(Path.Combine(built, assembly.Name!, assembly.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(built, assembly.Name!, assembly.Name + ".dll"))
                : null;
            try
            {
                var assembly = context.LoadFromAssemblyPath(Path.Combine(dir, name + ".dll"));
                checkedPlugins++;
                foreach (var type in assembly.GetTypes().Where(t => t.IsPublic || t.IsNestedPublic || t.IsNotPublic && !t.IsNested && !t.Name.StartsWith('<')))
                {
                    string? place = type switch
                    {
                        _ when Implements(type, typeof(IEntity)) => "Entities",
                        _ when Implements(type, typeof(IEntityHandler<>)) => "Rules",
                        _ when Implements(type, typeof(IScheduledJob)) => "Jobs",
                        _ when Implements(type, typeof(ISalesKernelPlugin)) || Implements(type, typeof(IDemoDataSeeder)) => "",
                        _ => null,
                    };
                    if (place is null) continue;
                    var expected = place.Length == 0 ? name : $"{name}.{place}";
                    if (type.Namespace != expected) wrong.Add($"{type.FullName} belongs in {expected} ({(place.Length == 0 ? "the plugin's root" : place + "/")}); {Shape}");
                }
            }
            finally
            {
                context.Unload();
            }
        }
        Assert.True(checkedPlugins >= 4, $"only {checkedPlugins} plugins found in {built}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>By name across load contexts: the SDK's types are loaded here and in the plugin's context alike.</summary>
    private static bool Implements(Type type, Type contract) => type.GetInterfaces().Any(i =>
        (i.IsGenericType ? i.GetGenericTypeDefinition().FullName : i.FullName) == contract.FullName);

    [GeneratedRegex(@"void\s+Configure\s*\(\s*IPluginBuilder\s+builder\s*\)\s*\{(.*?)\n    \}", RegexOptions.Singleline)]
    private static partial Regex ConfigureBody();
}
