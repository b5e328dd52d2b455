using System.Net;
using System.Net.Http.Json;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// A plugin publishes an extension point (an interface in its assembly); a plugin that depends on it
/// implements it; the publisher calls every implementation in a defined order — only those of
/// plugins the tenant has switched on.
/// </summary>
public sealed class ExtensionPointTests() : TenantHostTest(PluginFolder.Deals, PluginFolder.Pricing)
{
    [Fact]
    public async Task The_publisher_calls_every_implementation_in_order_and_only_for_tenants_that_have_the_implementing_plugin()
    {
        var deal = (await _client.CreateAsync("/api/deals/deals", new { title = "Kilns", amount = 1200m }))["id"]!.GetValue<Guid>();
        var priced = await (await _client.PostAsync($"/api/deals/deals/{deal}/price", null)).ObjectAsync();
        // declared 30, 20, 10: run 10, 20, 30 — 1200 + 50 = 1250, less 10 % = 1125, to the hundred = 1100
        Assert.Equal(["handling fee", "volume discount", "rounded"], priced["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal(1100m, priced["price"]!.GetValue<decimal>());

        (await _client.PutAsJsonAsync("/api/tenant/plugins/pricing", new { enabled = false })).EnsureSuccessStatusCode();
        var plain = await (await _client.PostAsync($"/api/deals/deals/{deal}/price", null)).ObjectAsync();
        Assert.Empty(plain["steps"]!.AsArray());
        Assert.Equal(1200m, plain["price"]!.GetValue<decimal>());

        using var globex = await _host.TenantClientAsync("globex"); // has every plugin on
        var theirs = (await globex.CreateAsync("/api/deals/deals", new { title = "Small", amount = 120m }))["id"]!.GetValue<Guid>();
        Assert.Equal(200m, (await (await globex.PostAsync($"/api/deals/deals/{theirs}/price", null)).ObjectAsync())["price"]!.GetValue<decimal>());
        Assert.Equal(HttpStatusCode.NotFound, (await globex.PostAsync($"/api/deals/deals/{deal}/price", null)).StatusCode);
    }
}
