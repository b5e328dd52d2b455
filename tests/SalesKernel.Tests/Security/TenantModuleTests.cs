using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>A tenant switches plugins on and off; a plugin that is off does not exist for it, but its data waits.</summary>
public sealed class TenantModuleTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _acme = null!;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _acme = await _host.TenantClientAsync("acme");
    }

    public async Task DisposeAsync()
    {
        _acme.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    private Task<HttpResponseMessage> SetAsync(string plugin, bool enabled, bool withDependencies = false) =>
        _acme.PutAsJsonAsync($"/api/tenant/plugins/{plugin}", new { enabled, withDependencies });

    [Fact]
    public async Task A_switched_off_plugin_has_no_endpoints_fields_or_rules_for_the_tenant_and_its_data_comes_back()
    {
        var id = (await _acme.CreateAsync(Url, new { name = "Acme", creditLimit = 777m }))["id"]!.GetValue<Guid>();
        using var globex = await _host.TenantClientAsync("globex");

        Assert.Equal(HttpStatusCode.OK, (await SetAsync("credit", false)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _acme.GetAsync("/api/credit/changes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await globex.GetAsync("/api/credit/changes")).StatusCode); // other tenants keep it
        Assert.False((await _acme.GetObjectAsync($"{Url}/{id}")).ContainsKey("creditLimit"));
        // the credit plugin's validator refuses '<' in names; switched off, it does not run
        Assert.Equal(HttpStatusCode.Created, (await _acme.PostAsJsonAsync(Url, new { name = "<b>bold</b>" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await globex.PostAsJsonAsync(Url, new { name = "<b>bold</b>" })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await SetAsync("credit", true)).StatusCode);
        Assert.Equal(777m, (await _acme.GetObjectAsync($"{Url}/{id}"))["creditLimit"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Switching_off_a_plugin_another_needs_is_refused_with_the_list()
    {
        var refused = await SetAsync("customers", false);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ObjectAsync();
        Assert.Equal(["credit"], problem["dependents"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await _acme.GetAsync(Url)).StatusCode);
    }

    [Fact]
    public async Task Switching_on_a_plugin_whose_dependencies_are_off_is_refused_unless_asked_to_switch_them_on_too()
    {
        Assert.Equal(HttpStatusCode.OK, (await SetAsync("credit", false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetAsync("customers", false)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _acme.GetAsync(Url)).StatusCode);

        var refused = await SetAsync("credit", true);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(["customers"], (await refused.ObjectAsync())["dependencies"]!.AsArray().Select(d => d!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.OK, (await SetAsync("credit", true, withDependencies: true)).StatusCode);
        var plugins = (await _acme.GetFromJsonAsync<JsonArray>("/api/tenant/plugins"))!.ToDictionary(p => p!["id"]!.GetValue<string>(), p => p!["enabled"]!.GetValue<bool>());
        Assert.True(plugins["customers"]);
        Assert.True(plugins["credit"]);
        Assert.Equal(HttpStatusCode.OK, (await _acme.GetAsync(Url)).StatusCode);
    }

    [Fact]
    public async Task A_tenant_created_with_some_plugins_has_only_those()
    {
        using var platform = await _host.PlatformClientAsync();
        var create = await platform.PostAsJsonAsync("/api/tenants", new
        {
            code = "initech", name = "Initech", plugins = new[] { "customers" },
            admin = new { email = "admin@initech.test", password = KernelHost.TenantPassword },
        });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        using var initech = await _host.SignedInClientAsync("admin@initech.test", KernelHost.TenantPassword);
        Assert.Equal(HttpStatusCode.OK, (await initech.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await initech.GetAsync("/api/credit/changes")).StatusCode);

        var missingDependency = await platform.PostAsJsonAsync("/api/tenants", new
        {
            code = "hooli", name = "Hooli", plugins = new[] { "credit" },
            admin = new { email = "admin@hooli.test", password = KernelHost.TenantPassword },
        });
        Assert.Equal(HttpStatusCode.BadRequest, missingDependency.StatusCode);
        Assert.Contains("also needs: customers", (await missingDependency.ObjectAsync())["errors"]!["plugins"]![0]!.GetValue<string>());
    }
}
