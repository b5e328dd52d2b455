using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

public sealed class HostTests : IAsyncLifetime
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.LibV1).Add(PluginFolder.SchemaProbe);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_plugin_path_grouped_by_plugin()
    {
        using var client = _host.CreateClient();
        var document = await client.GetFromJsonAsync<JsonObject>("/swagger/v1/swagger.json");
        var paths = document!["paths"]!.AsObject();

        Assert.Contains("/api/customers/customers", paths.Select(p => p.Key));
        Assert.Contains("/api/customers/customers/{id}", paths.Select(p => p.Key));
        Assert.Contains("/api/lib-v1/library", paths.Select(p => p.Key));
        Assert.Contains("/api/plugins", paths.Select(p => p.Key));
        Assert.Equal("Customers", paths["/api/customers/customers"]!["post"]!["tags"]![0]!.GetValue<string>());
        Assert.Equal("Library version probe 1", paths["/api/lib-v1/library"]!["get"]!["tags"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Fact]
    public async Task Health_reports_the_database_reachable()
    {
        using var client = _host.CreateClient();
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem_to_anyone_and_a_known_one_401_without_a_token()
    {
        using var anonymous = _host.CreateClient();
        foreach (var path in new[] { "/", "/nonexistent", "/api/nothing-here" })
        {
            var missing = await anonymous.GetAsync(path);
            Assert.True(HttpStatusCode.NotFound == missing.StatusCode, $"GET {path} answered {(int)missing.StatusCode}");
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        }
        // an address that exists still needs a token
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/plugins")).StatusCode);

        using var client = await _host.TenantClientAsync();
        var response = await client.GetAsync("/api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task An_exception_in_a_plugin_endpoint_is_a_500_problem_that_does_not_leak_its_message()
    {
        using var client = await _host.TenantClientAsync();
        var response = await client.GetAsync("/api/schema-probe/explode");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("secret detail", await response.Content.ReadAsStringAsync());
    }

    [SqliteFact]
    public async Task The_embedded_database_runs_in_write_ahead_logging_mode()
    {
        await _host.PluginsAsync();
        Assert.Equal("wal", await _db.ScalarAsync("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Times_come_back_as_UTC()
    {
        using var client = await _host.TenantClientAsync();
        (await client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme" })).EnsureSuccessStatusCode();
        var page = await client.GetFromJsonAsync<JsonObject>("/api/customers/customers");
        Assert.EndsWith("Z", page!["items"]![0]!["createdAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_plugin_list_shows_permissions_with_english_and_chinese_names()
    {
        var customers = await _host.PluginAsync("customers");
        var promote = Assert.Single(customers.Permissions, p => p.Name == "customers.customer.promote");
        Assert.Equal("Promote customers to a higher tier", promote.DisplayName);
        Assert.Equal("提升客户分层", promote.DisplayNameZhHans);
        Assert.Equal(["Customer", "Contact", "FollowUp"], customers.Entities);
    }
}
