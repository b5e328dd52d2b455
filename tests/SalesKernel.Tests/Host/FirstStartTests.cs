using System.Net;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>Several hosts started at once on a database that does not exist yet all start, and make its schema once.</summary>
public sealed class FirstStartTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Three_hosts_started_together_on_a_new_database_all_start()
    {
        var hosts = Enumerable.Range(0, 3).Select(_ => new KernelHost(_plugins, _db)).ToList();
        try
        {
            // each host makes the database (when missing) and its schema as it starts: all three at once
            await Task.WhenAll(hosts.Select(h => Task.Run(() => h.Services)));
            foreach (var host in hosts)
            {
                using var client = host.CreateClient();
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
            }
            // the kernel's schema was applied once: one history row per owner, not one per host
            Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_schema_history WHERE \"Owner\" = 'kernel'")));
            // and one platform administrator, though each host found none when it looked
            Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_user WHERE \"TenantId\" IS NULL")));
            using var admin = await hosts[2].TenantClientAsync("acme");
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/customers/customers",
                new StringContent("{\"name\":\"First start\"}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }
}
