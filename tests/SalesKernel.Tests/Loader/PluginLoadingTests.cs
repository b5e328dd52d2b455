using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Loader;

/// <summary>What the host makes of the plugins it finds, told through GET /api/plugins.</summary>
public sealed class PluginLoadingTests : IDisposable
{
    private readonly PluginFolder _plugins = new();
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task A_plugin_and_its_dependent_load_in_dependency_order_and_share_the_dependency_types()
    {
        // the dependent's id sorts first, so only the dependency graph can put customers before it
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.SchemaProbe, m => m["id"] = "aa-notes");
        await using var host = new KernelHost(_plugins, _db);

        var plugins = await host.PluginsAsync();
        Assert.Equal(["customers", "aa-notes"], plugins.Select(p => p.Id));
        Assert.All(plugins, p => Assert.Equal("Loaded", p.State));
        Assert.All(plugins, p => Assert.Null(p.Reason));
        Assert.Equal("customers", Assert.Single(plugins[1].Dependencies).Id);

        using var client = await host.TenantClientAsync();
        (await client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme" })).EnsureSuccessStatusCode();
        var counts = await client.GetFromJsonAsync<JsonArray>("/api/aa-notes/notes-per-customer");
        Assert.Equal("Acme", counts![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_dependent_that_carries_a_copy_of_its_dependency_still_shares_the_dependency_types()
    {
        // a build that copied the customers assembly into the dependent's folder: the copy must not be loaded
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.SchemaProbe, m => m["id"] = "aa-notes");
        File.Copy(Path.Combine(_plugins.Path, PluginFolder.Customers, PluginFolder.Customers + ".dll"),
            Path.Combine(_plugins.Path, PluginFolder.SchemaProbe, PluginFolder.Customers + ".dll"));
        await using var host = new KernelHost(_plugins, _db);

        Assert.All(await host.PluginsAsync(), p => Assert.Equal("Loaded", p.State));
        using var client = await host.TenantClientAsync();
        (await client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme" })).EnsureSuccessStatusCode();
        var counts = await client.GetFromJsonAsync<JsonArray>("/api/aa-notes/notes-per-customer");
        Assert.Equal("Acme", counts![0]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task Plugin_contexts_are_collectible_only_when_configured(string unloadable, bool collectible)
    {
        _plugins.Add(PluginFolder.LibV1);
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Plugins:Unloadable"] = unloadable });
        using var client = await host.TenantClientAsync();

        var probe = await client.GetFromJsonAsync<JsonObject>("/api/lib-v1/library");
        Assert.Equal(collectible, probe!["collectible"]!.GetValue<bool>());
        Assert.Equal("sales kernel plugin", probe["humanized"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_dependency_fails_the_plugin_and_the_host_starts_with_the_rest()
    {
        _plugins.Add(PluginFolder.SchemaProbe).Add(PluginFolder.LibV1);
        await using var host = new KernelHost(_plugins, _db);

        var probe = await host.PluginAsync("schema-probe");
        Assert.Equal("Failed", probe.State);
        Assert.Equal("missing dependency 'customers' (^2.0.0)", probe.Reason);
        Assert.Equal("Loaded", (await host.PluginAsync("lib-v1")).State);
        using var client = await host.TenantClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/schema-probe/notes-per-customer")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_dependency_of_the_wrong_version_fails_the_plugin_naming_both_versions()
    {
        _plugins.Add(PluginFolder.Customers)
            .Add(PluginFolder.SchemaProbe, m => m["dependencies"] = new JsonObject { ["customers"] = "^3.0.0" });
        await using var host = new KernelHost(_plugins, _db);

        var probe = await host.PluginAsync("schema-probe");
        var customers = await host.PluginAsync("customers");
        Assert.Equal("Failed", probe.State);
        Assert.StartsWith("2.", customers.Version); // below the range asked for
        Assert.Equal($"dependency 'customers' must be ^3.0.0 but version {customers.Version} is installed", probe.Reason);
        Assert.Equal("Loaded", customers.State);
    }

    [Fact]
    public async Task Plugins_that_depend_on_each_other_fail_as_a_cycle_and_so_do_their_dependents()
    {
        _plugins.Add(PluginFolder.Customers)
            .AddManifestOnly("a", Manifest("cycle-a", """{ "cycle-b": "*" }"""))
            .AddManifestOnly("b", Manifest("cycle-b", """{ "cycle-a": "*" }"""))
            .AddManifestOnly("c", Manifest("needs-cycle", """{ "cycle-a": "*" }"""));
        await using var host = new KernelHost(_plugins, _db);

        var plugins = (await host.PluginsAsync()).ToDictionary(p => p.Id);
        Assert.Equal("Failed", plugins["cycle-a"].State);
        Assert.Equal("dependency cycle: cycle-a -> cycle-b -> cycle-a", plugins["cycle-a"].Reason);
        Assert.Equal("dependency cycle: cycle-a -> cycle-b -> cycle-a", plugins["cycle-b"].Reason);
        Assert.Equal("Failed", plugins["needs-cycle"].State);
        Assert.StartsWith("dependency 'cycle-a' is failed: dependency cycle", plugins["needs-cycle"].Reason);
        Assert.Equal("Loaded", plugins["customers"].State);
    }

    [Fact]
    public async Task A_malformed_manifest_fails_the_plugin_with_what_is_wrong()
    {
        _plugins.Add(PluginFolder.Customers)
            .AddManifestOnly("broken-json", "{ \"id\": \"broken\", ")
            .AddManifestOnly("bad-fields", """{ "id": "Bad Id", "version": "1.0", "sdk": "^1.0.0" }""");
        await using var host = new KernelHost(_plugins, _db);

        var plugins = (await host.PluginsAsync()).ToDictionary(p => p.Id);
        Assert.Equal("Failed", plugins["broken-json"].State);
        Assert.StartsWith("malformed manifest: plugin.json is not valid JSON", plugins["broken-json"].Reason);
        var bad = plugins["bad-fields"];
        Assert.Equal("Failed", bad.State);
        Assert.Contains("'id' \"Bad Id\" must be lower-case", bad.Reason);
        Assert.Contains("'name' is required", bad.Reason);
        Assert.Contains("'version' \"1.0\" is not a semantic version", bad.Reason);
        Assert.Equal("Loaded", plugins["customers"].State);
    }

    [Fact]
    public async Task A_plugin_whose_Configure_throws_fails_with_the_exception_and_leaves_nothing_behind()
    {
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.Throwing)
            .Add(PluginFolder.LibV1, m => m["dependencies"] = new JsonObject { ["throwing"] = "^1.0.0" });
        await using var host = new KernelHost(_plugins, _db);

        var plugins = (await host.PluginsAsync()).ToDictionary(p => p.Id);
        Assert.Equal("Failed", plugins["throwing"].State);
        Assert.Equal("Configure threw InvalidOperationException: the throwing test plugin refuses to start", plugins["throwing"].Reason);
        Assert.Empty(plugins["throwing"].Permissions);
        Assert.Equal("Failed", plugins["lib-v1"].State);
        Assert.StartsWith("dependency 'throwing' is failed: Configure threw", plugins["lib-v1"].Reason);
        Assert.Equal("Loaded", plugins["customers"].State);
        var marker = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == PluginFolder.Throwing)
            .Select(a => a.GetType("SalesKernel.TestPlugins.Throwing.ThrowingMarker")).First(t => t is not null)!;
        Assert.Null(host.Services.GetService(marker));
    }

    [Fact]
    public async Task A_plugin_whose_entities_make_the_model_invalid_fails_and_the_others_keep_their_tables()
    {
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.SchemaProbe);
        await using var host = new KernelHost(_plugins, _db,
            new Dictionary<string, string?> { ["SalesKernel:Plugins:Settings:schema-probe:Variant"] = "invalid" });

        var probe = await host.PluginAsync("schema-probe");
        Assert.Equal("Failed", probe.State);
        Assert.StartsWith("its entity model is invalid:", probe.Reason);
        Assert.Contains("requires a primary key", probe.Reason);
        using var client = await host.TenantClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme" })).StatusCode);
        Assert.Empty(await _db.ColumnsAsync("schema_probe_note")); // no table was created for it
    }

    [Fact]
    public async Task A_plugin_with_an_endpoint_ASP_NET_cannot_compile_fails_alone()
    {
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.SchemaProbe)
            .Add(PluginFolder.LibV1, m => m["dependencies"] = new JsonObject { ["schema-probe"] = "^1.0.0" });
        await using var host = new KernelHost(_plugins, _db,
            new Dictionary<string, string?> { ["SalesKernel:Plugins:Settings:schema-probe:Variant"] = "bad-endpoint" });

        var plugins = (await host.PluginsAsync()).ToDictionary(p => p.Id);
        Assert.Equal("Failed", plugins["schema-probe"].State);
        Assert.StartsWith("its endpoints are invalid:", plugins["schema-probe"].Reason);
        Assert.Equal("Failed", plugins["lib-v1"].State);
        Assert.StartsWith("dependency 'schema-probe' is failed", plugins["lib-v1"].Reason);
        using var client = await host.TenantClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_library_the_host_ships_in_another_version_stays_private_to_the_plugin()
    {
        // this test process itself ships Humanizer 3 in the default context
        Assert.Equal(3, typeof(Humanizer.StringHumanizeExtensions).Assembly.GetName().Version!.Major);
        _plugins.Add(PluginFolder.LibV1);
        await using var host = new KernelHost(_plugins, _db);
        using var client = await host.TenantClientAsync();

        var v1 = await client.GetFromJsonAsync<JsonObject>("/api/lib-v1/library");
        Assert.StartsWith("2.14.", v1!["assembly"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_plugins_carry_different_versions_of_the_same_private_library()
    {
        _plugins.Add(PluginFolder.LibV1).Add(PluginFolder.LibV2);
        await using var host = new KernelHost(_plugins, _db);
        using var client = await host.TenantClientAsync();

        var v1 = await client.GetFromJsonAsync<JsonObject>("/api/lib-v1/library");
        var v2 = await client.GetFromJsonAsync<JsonObject>("/api/lib-v2/library");
        Assert.StartsWith("2.14.", v1!["assembly"]!.GetValue<string>());
        Assert.StartsWith("3.0.", v2!["assembly"]!.GetValue<string>());
        // each from its plugin's own load context (McMaster names it after the plugin's main assembly)
        Assert.Equal("SalesKernel.TestPlugins.LibV1", v1["context"]!.GetValue<string>());
        Assert.Equal("SalesKernel.TestPlugins.LibV2", v2["context"]!.GetValue<string>());
        Assert.Equal("sales kernel plugin", v1["humanized"]!.GetValue<string>());
        Assert.Equal("sales kernel plugin", v2["humanized"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plugin_built_for_another_SDK_major_version_fails_before_its_code_runs()
    {
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.Throwing, m => m["sdk"] = "^3.0.0");
        await using var host = new KernelHost(_plugins, _db);

        var throwing = await host.PluginAsync("throwing");
        Assert.Equal("Failed", throwing.State);
        Assert.Equal($"requires SDK ^3.0.0 but this host provides SDK {SalesKernel.Sdk.SdkVersion.Current}", throwing.Reason);
    }

    [Fact]
    public async Task A_plugin_disabled_in_configuration_is_listed_as_disabled_and_serves_nothing()
    {
        _plugins.Add(PluginFolder.Customers).Add(PluginFolder.LibV1);
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Plugins:Disabled:0"] = "lib-v1" });

        Assert.Equal("Disabled", (await host.PluginAsync("lib-v1")).State);
        using var client = await host.TenantClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/lib-v1/library")).StatusCode);
    }

    [Fact]
    public async Task Two_folders_claiming_one_id_load_the_first_and_fail_the_second()
    {
        _plugins.Add(PluginFolder.Customers, folder: "a-customers").Add(PluginFolder.Customers, folder: "b-customers");
        await using var host = new KernelHost(_plugins, _db);

        var plugins = await host.PluginsAsync();
        Assert.Equal(["Loaded", "Failed"], plugins.Select(p => p.State));
        Assert.Contains("another plugin with id 'customers' was found first", plugins[1].Reason);
    }

    private static string Manifest(string id, string dependencies) =>
        $$"""{ "id": "{{id}}", "name": "{{id}}", "version": "1.0.0", "sdk": "^2.0.0", "dependencies": {{dependencies}} }""";
}
