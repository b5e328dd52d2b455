using System.Net;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>Extension fields vanish with their plugin and come back with it; their data is kept.</summary>
public sealed class ExtensionLifecycleTests : IDisposable
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Without_the_extending_plugin_its_fields_vanish_and_with_it_they_come_back()
    {
        Guid id;
        await using (var host = new KernelHost(_plugins, _db))
        {
            using var client = await host.TenantClientAsync();
            id = (await client.CreateAsync(Url, new { name = "Acme", creditLimit = 1234.5m }))["id"]!.GetValue<Guid>();
        }

        await using (var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Plugins:Disabled:0"] = "credit" }))
        {
            using var client = await host.TenantClientAsync();
            var record = await client.GetObjectAsync($"{Url}/{id}");
            Assert.False(record.ContainsKey("creditLimit"));
            var meta = await client.GetObjectAsync("/api/meta");
            Assert.DoesNotContain(meta["entitySets"]![0]!["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "creditLimit");
            var filter = await client.GetAsync($"{Url}?filter={Uri.EscapeDataString("creditLimit gt 1")}");
            Assert.Equal(HttpStatusCode.BadRequest, filter.StatusCode);
            // writes without the extension keep its column as it was
            (await client.PatchAsync($"{Url}/{id}", new { region = "East" })).EnsureSuccessStatusCode();
        }
        Assert.Equal(1234.5m, Convert.ToDecimal(await _db.ScalarAsync("SELECT \"x_credit_creditLimit\" FROM customers_customer")));

        await using (var host = new KernelHost(_plugins, _db))
        {
            using var client = await host.TenantClientAsync();
            var record = await client.GetObjectAsync($"{Url}/{id}");
            Assert.Equal(1234.5m, record["creditLimit"]!.GetValue<decimal>());
            Assert.Equal("East", record["region"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task The_extension_owns_its_columns_in_the_schema_history()
    {
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();
        var creditSnapshot = (string)(await _db.ScalarAsync("SELECT \"Snapshot\" FROM sk_schema_history WHERE \"Owner\" = 'credit'"))!;
        var customersSnapshot = (string)(await _db.ScalarAsync("SELECT \"Snapshot\" FROM sk_schema_history WHERE \"Owner\" = 'customers'"))!;
        Assert.Contains("x_credit_creditLimit", creditSnapshot);
        Assert.DoesNotContain("x_credit_creditLimit", customersSnapshot);

        // a restart changes nothing
        var steps = await _db.CountAsync("sk_schema_history");
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();
        Assert.Equal(steps, await _db.CountAsync("sk_schema_history"));
    }
}
