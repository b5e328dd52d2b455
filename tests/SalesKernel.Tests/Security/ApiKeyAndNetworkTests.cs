using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>API keys for integrations, the tenant's IP allow-list, and secrets kept out of the log.</summary>
public sealed class ApiKeyAndNetworkTests : IDisposable
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private static HttpClient WithKey(KernelHost host, string key, string? address = null)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        if (address is not null) client.DefaultRequestHeaders.Add("X-Test-Client-Address", address);
        return client;
    }

    [Fact]
    public async Task An_api_key_acts_with_its_role_records_its_last_use_and_stops_when_revoked()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        await admin.CreateAsync(Url, new { name = "Acme" });
        var created = await admin.CreateAsync("/api/api-keys", new { name = "ERP sync", role = "read-only" });
        var key = created["key"]!.GetValue<string>();
        Assert.StartsWith("sk_", key);

        using var erp = WithKey(host, key);
        Assert.Equal(["Acme"], (await erp.GetObjectAsync(Url)).Names());
        Assert.Equal(HttpStatusCode.Forbidden, (await erp.PostAsJsonAsync(Url, new { name = "From ERP" })).StatusCode); // read-only role
        Assert.Equal(HttpStatusCode.Forbidden, (await erp.GetAsync("/api/users")).StatusCode);

        var listed = (await admin.GetFromJsonAsync<JsonArray>("/api/api-keys"))!.Single()!;
        Assert.NotNull(listed["lastUsedAtUtc"]);
        Assert.DoesNotContain(key[16..], listed.ToJsonString()); // the secret is never shown again
        Assert.Equal("read-only", listed["role"]!.GetValue<string>());
        Assert.DoesNotContain(key[16..], (string)(await _db.ScalarAsync("SELECT \"SecretHash\" FROM sk_api_key"))!);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/api-keys/{created["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await erp.GetAsync(Url)).StatusCode);
        using var forged = WithKey(host, key[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync(Url)).StatusCode);
        using var malformed = WithKey(host, "not-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await malformed.GetAsync(Url)).StatusCode);
    }

    [Fact]
    public async Task Requests_from_outside_the_tenants_networks_are_refused_for_users_and_keys()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        admin.DefaultRequestHeaders.Add("X-Test-Client-Address", "10.1.2.3");
        var key = (await admin.CreateAsync("/api/api-keys", new { name = "ERP", role = "read-only" }))["key"]!.GetValue<string>();

        var lockout = await admin.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "192.168.0.0/16" } });
        Assert.Equal(HttpStatusCode.Conflict, lockout.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "10.0.0.0/33" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "10.0.0.0/8", "203.0.113.7" } })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Url)).StatusCode);
        using var outside = await host.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
        outside.DefaultRequestHeaders.Add("X-Test-Client-Address", "198.51.100.20");
        Assert.Equal(HttpStatusCode.Forbidden, (await outside.GetAsync(Url)).StatusCode);
        using var keyOutside = WithKey(host, key, "198.51.100.20");
        Assert.Equal(HttpStatusCode.Forbidden, (await keyOutside.GetAsync(Url)).StatusCode);
        using var keyInside = WithKey(host, key, "203.0.113.7");
        Assert.Equal(HttpStatusCode.OK, (await keyInside.GetAsync(Url)).StatusCode);

        using var otherTenant = await host.TenantClientAsync("globex");
        otherTenant.DefaultRequestHeaders.Add("X-Test-Client-Address", "198.51.100.20");
        Assert.Equal(HttpStatusCode.OK, (await otherTenant.GetAsync(Url)).StatusCode); // only acme restricted itself
    }

    [Fact]
    public async Task No_password_token_or_key_is_ever_written_to_the_log()
    {
        await using var host = new KernelHost(_plugins, _db) { CaptureLogs = true };
        using var admin = await host.TenantClientAsync("acme");
        using var anonymous = host.CreateClient();
        var signIn = await (await anonymous.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        await anonymous.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = "Wrong-Secret-4242" });
        await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = signIn["refreshToken"]!.GetValue<string>() });
        var key = (await admin.CreateAsync("/api/api-keys", new { name = "ERP", role = "read-only" }))["key"]!.GetValue<string>();
        using var erp = WithKey(host, key);
        await erp.GetAsync(Url);
        await admin.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.TenantPassword, newPassword = "Brand-New-Secret-77" });

        Assert.NotEmpty(host.Logs);
        var secrets = new[]
        {
            KernelHost.TenantPassword, KernelHost.PlatformPassword, "Wrong-Secret-4242", "Brand-New-Secret-77",
            signIn["accessToken"]!.GetValue<string>()[..40], signIn["refreshToken"]!.GetValue<string>()[..40], key[16..],
        };
        foreach (var secret in secrets)
            Assert.DoesNotContain(host.Logs, line => line.Contains(secret, StringComparison.Ordinal));
    }
}
