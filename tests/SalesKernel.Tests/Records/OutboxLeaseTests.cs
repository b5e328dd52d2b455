using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>Two hosts on one database: each committed event reaches the plugins' after-commit handlers once, not once per host.</summary>
public sealed class OutboxLeaseTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Two_hosts_hand_each_waiting_event_to_the_handlers_once()
    {
        const int count = 200;
        await using (var writer = new KernelHost(_plugins, _db))
        {
            using var admin = await writer.TenantClientAsync("acme");
            for (var start = 0; start < count; start += 100)
                (await admin.PostAsJsonAsync("/api/customers/customers/bulk", Enumerable.Range(start, 100).Select(i => new { name = $"Lease {i}", region = "East" })))
                    .EnsureSuccessStatusCode();
        }
        // as if the hosts had stopped before handing any of them on: both find all of them waiting at start
        await _db.ExecuteAsync("UPDATE sk_outbox SET \"DispatchedAtUtc\" = NULL, \"LeasedUntilUtc\" = NULL");

        var slow = new Dictionary<string, string?> { ["SalesKernel:Plugins:Settings:credit:HandlerDelayMs"] = "20" };
        await using var first = new KernelHost(_plugins, _db, slow);
        await using var second = new KernelHost(_plugins, _db, slow);
        await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services)); // both start at once
        for (var i = 0; i < 300 && Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"DispatchedAtUtc\" IS NULL")) > 0; i++)
            await Task.Delay(100);
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"DispatchedAtUtc\" IS NULL")));

        using var a = await first.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
        using var b = await second.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
        var received = (await a.GetFromJsonAsync<JsonArray>("/api/credit/received"))!.Concat((await b.GetFromJsonAsync<JsonArray>("/api/credit/received"))!)
            .Select(e => e!["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(count, received.Count);
        Assert.Equal(count, received.Distinct().Count());
    }

    [Fact]
    public async Task A_handler_slower_than_the_lease_keeps_its_event_for_the_lease_is_renewed()
    {
        // a three-second lease, a handler that takes seven: without renewal the other host would take the event after three
        var settings = new Dictionary<string, string?>
        {
            ["SalesKernel:Outbox:LeaseSeconds"] = "3",
            ["SalesKernel:Plugins:Settings:credit:HandlerDelayMs"] = "7000",
        };
        await using var first = new KernelHost(_plugins, _db, settings);
        await using var second = new KernelHost(_plugins, _db, settings);
        using var admin = await first.TenantClientAsync("acme");
        using var other = await second.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
        await admin.CreateAsync("/api/customers/customers", new { name = "Slowly handled" });

        Assert.True(await Eventually.HoldsAsync(async () => Convert.ToInt64(await _db.ScalarAsync(
            "SELECT COUNT(*) FROM sk_outbox WHERE \"EntitySet\" = 'customers.customers' AND \"DispatchedAtUtc\" IS NULL")) == 0, TimeSpan.FromSeconds(30)));
        var started = await admin.GetFromJsonAsync<int>("/api/credit/started") + await other.GetFromJsonAsync<int>("/api/credit/started");
        Assert.Equal(1, started);
        var received = (await admin.GetFromJsonAsync<JsonArray>("/api/credit/received"))!.Count + (await other.GetFromJsonAsync<JsonArray>("/api/credit/received"))!.Count;
        Assert.Equal(1, received);
    }
}
