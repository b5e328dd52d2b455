using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>Webhooks: signed, retried after a failure, and not lost across a restart of the host.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private WebApplication _receiver = null!;
    private readonly ConcurrentQueue<(string Body, string Signature)> _received = new();
    private int _attempts;
    private string _url = "";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["SalesKernel:Webhooks:AllowPrivateAddresses"] = "true",
        ["SalesKernel:Webhooks:PollSeconds"] = "1",
    };

    /// <summary>A real HTTP listener on 127.0.0.1 that fails the first attempt and accepts the rest.</summary>
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            if (Interlocked.Increment(ref _attempts) == 1) return Results.StatusCode(503);
            _received.Enqueue((body, context.Request.Headers["X-SalesKernel-Signature"].ToString()));
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

    [Fact]
    public async Task A_webhook_is_delivered_signed_after_a_failed_first_attempt_and_a_host_restart()
    {
        string secret;
        Guid hookId;
        await using (var host = new KernelHost(_plugins, _db, Settings))
        {
            using var admin = await host.TenantClientAsync("acme");
            var hook = await admin.CreateAsync("/api/webhooks", new { url = _url, events = new[] { "customers.customers" } });
            secret = hook["secret"]!.GetValue<string>();
            hookId = hook["id"]!.GetValue<Guid>();
            await admin.CreateAsync("/api/customers/customers", new { name = "Acme Ltd" });
            // The listener counts the attempt before the sender records its outcome: wait for the log.
            JsonNode? log = null;
            for (var i = 0; i < 100; i++)
            {
                log = (await admin.GetFromJsonAsync<JsonObject>($"/api/webhooks/{hookId}/deliveries"))!["items"]!.AsArray().SingleOrDefault();
                if (log?["lastStatus"] is not null) break;
                await Task.Delay(100);
            }
            Assert.Equal(1, Volatile.Read(ref _attempts)); // the first attempt failed
            Assert.NotNull(log?["lastStatus"]);
            Assert.Equal(503, log!["lastStatus"]!.GetValue<int>());
            Assert.Null(log["deliveredAtUtc"]);
        } // the host stops before the retry is due

        Assert.Empty(_received);
        await using (var host = new KernelHost(_plugins, _db, Settings))
        {
            _ = host.Services; // a new host picks the delivery up from the database
            for (var i = 0; i < 100 && _received.IsEmpty; i++) await Task.Delay(100);
            var (body, signature) = Assert.Single(_received);
            var expected = "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
            Assert.Equal(expected, signature);
            var payload = JsonNode.Parse(body)!;
            Assert.Equal("customers.customers", payload["entitySet"]!.GetValue<string>());
            Assert.Equal("Create", payload["operation"]!.GetValue<string>());
            Assert.Contains(payload["changes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "name" && c["after"]!.GetValue<string>() == "Acme Ltd");

            using var admin = await host.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
            JsonNode? log = null;
            for (var i = 0; i < 100; i++)
            {
                log = (await admin.GetFromJsonAsync<JsonObject>($"/api/webhooks/{hookId}/deliveries"))!["items"]!.AsArray().Single();
                if (log?["deliveredAtUtc"] is not null) break;
                await Task.Delay(100);
            }
            Assert.NotNull(log?["deliveredAtUtc"]);
            Assert.Equal(2, log!["attempts"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task An_automation_rule_calls_a_webhook()
    {
        await using var host = new KernelHost(_plugins, _db, Settings);
        using var admin = await host.TenantClientAsync("acme");
        var hook = await admin.CreateAsync("/api/webhooks", new { url = _url, events = new[] { "customers.customers" } });
        await admin.CreateAsync("/api/automation-rules", new
        {
            name = "Notify ERP of key accounts", entity = "customers.customers", trigger = "created", condition = "tier eq 'Key'",
            actions = new object[] { new { type = "webhook", webhook = hook["id"]!.GetValue<Guid>() } },
        });
        await admin.CreateAsync("/api/customers/customers", new { name = "Key Co", tier = "Key" });
        for (var i = 0; i < 100 && !_received.Any(r => r.Body.Contains("\"rule\"")); i++) await Task.Delay(100);
        var fromRule = _received.Single(r => r.Body.Contains("\"rule\""));
        Assert.Equal("Notify ERP of key accounts", JsonNode.Parse(fromRule.Body)!["rule"]!.GetValue<string>());
        Assert.StartsWith("sha256=", fromRule.Signature);
    }

    [Fact]
    public async Task A_webhook_to_a_private_address_is_refused_unless_allowed()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        var refused = await admin.PostAsJsonAsync("/api/webhooks", new { url = _url });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("private network", (await refused.ObjectAsync())["errors"]!["url"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/webhooks", new { url = "ftp://example.com/x" })).StatusCode);
    }
}
