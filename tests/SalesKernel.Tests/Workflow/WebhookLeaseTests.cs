using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>Two hosts on one database: each webhook delivery is sent once, and the log counts every attempt.</summary>
public sealed class WebhookLeaseTests : IAsyncLifetime
{
    private const int Count = 40;
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private WebApplication _receiver = null!;
    private readonly ConcurrentDictionary<string, int> _posts = new();
    private string _url = "";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["SalesKernel:Webhooks:AllowPrivateAddresses"] = "true",
        ["SalesKernel:Webhooks:PollSeconds"] = "1",
    };

    /// <summary>A receiver that takes a while to answer, so both hosts' senders are busy with the same deliveries at once.</summary>
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpContext context) =>
        {
            _posts.AddOrUpdate(context.Request.Headers["X-SalesKernel-Delivery"].ToString(), 1, (_, n) => n + 1);
            await Task.Delay(40);
            return Results.Ok();
        });
        await _receiver.StartAsync();
        _url = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
    }

    public async Task DisposeAsync()
    {
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    private async Task DeliveredAsync(int count)
    {
        Assert.True(await Eventually.HoldsAsync(async () =>
            Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_webhook_delivery WHERE \"DeliveredAtUtc\" IS NOT NULL")) >= count, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Two_hosts_send_each_delivery_once()
    {
        await using (var setup = new KernelHost(_plugins, _db, Settings))
        {
            using var admin = await setup.TenantClientAsync("acme");
            await admin.CreateAsync("/api/webhooks", new { url = _url, events = new[] { "customers.customers" } });
            (await admin.PostAsJsonAsync("/api/customers/customers/bulk", Enumerable.Range(0, Count).Select(i => new { name = $"Hooked {i}", region = "East" })))
                .EnsureSuccessStatusCode();
            await DeliveredAsync(Count);
        }
        // as if both hosts had started with every delivery waiting: both find all of them due at once
        await _db.ExecuteAsync("UPDATE sk_webhook_delivery SET \"DeliveredAtUtc\" = NULL, \"Attempts\" = 0, \"LastStatus\" = NULL");
        _posts.Clear();
        await using (var first = new KernelHost(_plugins, _db, Settings))
        await using (var second = new KernelHost(_plugins, _db, Settings))
        {
            await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services));
            await DeliveredAsync(Count);
        } // both hosts stopped: nothing is still being sent

        Assert.Equal(Count, _posts.Count);
        Assert.All(_posts, p => Assert.Equal(1, p.Value));
        Assert.Equal((long)Count, Convert.ToInt64(await _db.ScalarAsync(
            $"SELECT COUNT(*) FROM sk_webhook_delivery WHERE \"Attempts\" = 1 AND \"DeliveredAtUtc\" IS NOT NULL AND \"LeasedUntilUtc\" IS NULL")));
    }
}
