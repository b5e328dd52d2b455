using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>Two companies in one installation never see, change or point at each other's records.</summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit).Add(PluginFolder.SchemaProbe);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _acme = null!;
    private HttpClient _globex = null!;
    private Guid _acmeCustomer;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _acme = await _host.TenantClientAsync("acme");
        _globex = await _host.TenantClientAsync("globex");
        _acmeCustomer = (await _acme.CreateAsync(Url, new { name = "Acme's secret customer", creditLimit = 5000m }))["id"]!.GetValue<Guid>();
    }

    public async Task DisposeAsync()
    {
        _acme.Dispose();
        _globex.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Another_tenants_record_is_not_found_for_read_update_and_delete()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.GetAsync($"{Url}/{_acmeCustomer}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.PatchAsync($"{Url}/{_acmeCustomer}", new { name = "taken over" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.DeleteAsync($"{Url}/{_acmeCustomer}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.PostAsync($"{Url}/{_acmeCustomer}/promote", null)).StatusCode);
        Assert.Equal("Acme's secret customer", (await _acme.GetObjectAsync($"{Url}/{_acmeCustomer}"))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lists_filters_searches_and_counts_see_only_the_callers_records()
    {
        await _globex.CreateAsync(Url, new { name = "Globex customer" });
        var page = await _globex.GetObjectAsync($"{Url}?count=true&search=customer");
        Assert.Equal(["Globex customer"], page.Names());
        Assert.Equal(1, page["total"]!.GetValue<int>());
        Assert.Empty((await _globex.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString($"id eq '{_acmeCustomer}'")}")).Names());
        Assert.Empty((await _globex.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("creditLimit gt 0")}")).Names());
    }

    [Fact]
    public async Task A_reference_to_another_tenants_record_is_not_found()
    {
        await _globex.CreateAsync("/api/custom-fields", new { entity = "customers.customers", name = "cf_parent", type = "Reference", displayName = new { en = "Parent" }, referenceTo = "customers.customers" });
        var create = await _globex.PostAsJsonAsync(Url, new { name = "Child", cf_parent = _acmeCustomer });
        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.Contains(_acmeCustomer.ToString(), (await create.ObjectAsync())["detail"]!.GetValue<string>());

        var own = (await _globex.CreateAsync(Url, new { name = "Own" }))["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.PatchAsync($"{Url}/{own}", new { cf_parent = _acmeCustomer })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _globex.PostAsJsonAsync($"{Url}/bulk", new object[] { new { name = "B", cf_parent = _acmeCustomer } })).StatusCode);
        var parent = (await _globex.CreateAsync(Url, new { name = "Parent" }))["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await _globex.PatchAsync($"{Url}/{own}", new { cf_parent = parent })).StatusCode);
        Assert.Equal(2L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM customers_customer WHERE \"Name\" <> 'Acme''s secret customer'"))); // Own and Parent: nothing refused was written
    }

    [Fact]
    public async Task Audit_custom_fields_and_metadata_are_per_tenant()
    {
        await _acme.CreateAsync("/api/custom-fields", new { entity = "customers.customers", name = "cf_wechat", type = "Text", displayName = new { en = "WeChat" } });

        Assert.Empty((await _globex.GetObjectAsync("/api/audit"))["items"]!.AsArray());
        Assert.NotEmpty((await _acme.GetObjectAsync("/api/audit"))["items"]!.AsArray());
        var globexFields = (await _globex.GetObjectAsync("/api/meta"))["entitySets"]!.AsArray()
            .First(s => s!["name"]!.GetValue<string>() == "customers.customers")!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>());
        Assert.DoesNotContain("cf_wechat", globexFields);
        Assert.Equal(HttpStatusCode.BadRequest, (await _globex.PostAsJsonAsync(Url, new { name = "X", cf_wechat = "x" })).StatusCode);
        Assert.Empty(await _globex.GetFromJsonAsync<JsonArray>("/api/custom-fields") ?? []);
    }

    [Fact]
    public async Task A_platform_administrator_manages_tenants_but_sees_no_tenants_records()
    {
        using var platform = await _host.PlatformClientAsync();
        var tenants = (await platform.GetFromJsonAsync<JsonObject>("/api/tenants?limit=500"))!["items"]!.AsArray();
        Assert.Equal(["acme", "globex"], tenants!.Select(t => t!["code"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Forbidden, (await platform.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _acme.GetAsync("/api/tenants")).StatusCode);
    }

    /// <summary>
    /// Every table of the model — the kernel's, the entity sets', a plugin's own — either carries the
    /// tenant with a global query filter on it, or says why its rows are the installation's.
    /// </summary>
    [Fact]
    public void Every_table_holding_tenant_data_has_the_tenant_filter_and_every_other_says_why_not()
    {
        using var scope = _host.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<SalesKernel.Core.Data.KernelDbContext>().Model;
        var types = model.GetEntityTypes().Where(t => !t.IsOwned()).ToList();
        Assert.True(types.Count >= 30, $"{types.Count} entity types");
        var unfiltered = new List<string>();
        foreach (var type in types)
        {
            var filters = type.GetDeclaredQueryFilters().Select(f => f.Expression?.ToString() ?? "").ToList();
            var installation = type.FindAnnotation("SalesKernel:Installation")?.Value as string;
            if (installation is not null)
            {
                Assert.True(filters.Count == 0, $"{type.ClrType.Name} is the installation's ({installation}) but has a filter");
                Assert.True(installation.Length > 10, $"{type.ClrType.Name}: say why, not just that");
                continue;
            }
            if (!filters.Any(f => f.Contains("CurrentTenantId"))) unfiltered.Add($"{type.ClrType.Name} ({type.GetTableName()})");
        }
        Assert.True(unfiltered.Count == 0, "tenant data without the tenant filter: " + string.Join(", ", unfiltered));
        // the plugin's own table (AddEntity) is among them, with a tenant column the kernel added
        var note = types.Single(t => t.GetTableName() == "schema_probe_note");
        Assert.NotNull(note.FindProperty("TenantId"));
    }

    [Fact]
    public async Task A_plugins_own_table_keeps_each_tenants_rows_apart()
    {
        var globexCustomer = (await _globex.CreateAsync(Url, new { name = "Globex's own" }))["id"]!.GetValue<Guid>();
        (await _acme.PostAsJsonAsync("/api/schema-probe/notes", new { customerId = _acmeCustomer, title = "acme's note" })).EnsureSuccessStatusCode();
        (await _globex.PostAsJsonAsync("/api/schema-probe/notes", new { customerId = globexCustomer, title = "globex's note" })).EnsureSuccessStatusCode();
        var acme = (await _acme.GetFromJsonAsync<JsonArray>("/api/schema-probe/notes-per-customer"))!;
        var globex = (await _globex.GetFromJsonAsync<JsonArray>("/api/schema-probe/notes-per-customer"))!;
        Assert.Equal(1, Assert.Single(acme)!["notes"]!.GetValue<int>());
        Assert.Equal("Globex's own", Assert.Single(globex)!["name"]!.GetValue<string>());
        Assert.Equal(2L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(DISTINCT \"TenantId\") FROM schema_probe_note")));
    }
}
