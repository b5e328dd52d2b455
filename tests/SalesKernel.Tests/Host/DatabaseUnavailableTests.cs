using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>A host out of database connections answers 503 with Retry-After — never a 500 — and writes nothing.</summary>
public sealed class DatabaseUnavailableTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [PostgresFact]
    public async Task A_host_whose_pool_is_exhausted_answers_503_with_Retry_After_and_writes_nothing()
    {
        // a pool of two, and a second to wait for a connection (instead of 15)
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?>
        {
            ["SalesKernel:Database:PostgresMaxPoolSize"] = "2",
            ["SalesKernel:Database:ConnectionString"] = _db.ConnectionString + ";Timeout=1",
        });
        using var admin = await host.TenantClientAsync("acme");
        var held = new List<IServiceScope>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var scope = host.Services.CreateScope();
                held.Add(scope);
                var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
                Assert.Contains("Maximum Pool Size=2", db.Database.GetConnectionString());
                await db.Database.OpenConnectionAsync(); // both of the pool's connections taken
            }
            var answer = await admin.PostAsJsonAsync("/api/customers/customers", new { name = "No room" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), answer.Headers.RetryAfter?.Delta);
            Assert.Equal("The database is busy", (await answer.ObjectAsync())["title"]!.GetValue<string>());
        }
        finally
        {
            foreach (var scope in held) scope.Dispose();
        }
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM customers_customer WHERE \"Name\" = 'No room'")));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/customers/customers", new { name = "Room again" })).StatusCode);
    }
}
