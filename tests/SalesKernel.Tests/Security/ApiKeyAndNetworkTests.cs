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
        var answer = await admin.PostAsJsonAsync("/api/api-keys", new { name = "ERP sync", role = "read-only" });
        Assert.True(answer.Headers.CacheControl?.NoStore, "the answer holding the key may be cached");
        var created = await answer.ObjectAsync();
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
    public async Task A_key_with_the_administrator_role_acts_as_an_administrator_but_does_not_make_keys()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        using var globex = await host.TenantClientAsync("globex");
        var created = await admin.CreateAsync("/api/api-keys", new { name = "Provisioning", role = "tenant-admin" });
        using var key = WithKey(host, created["key"]!.GetValue<string>());

        foreach (var url in new[] { "/api/users", "/api/api-keys", "/api/audit", "/api/tenant/ip-allow-list", "/api/roles", "/api/jobs/runs" })
        {
            var answer = await key.GetAsync(url);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }
        Assert.True((await key.GetObjectAsync("/api/auth/me"))["isTenantAdmin"]!.GetValue<bool>());
        var user = await key.CreateAsync("/api/users", new { email = "provisioned@acme.test", password = KernelHost.TenantPassword });
        // but it makes no administrators, nor disables one
        Assert.Equal(HttpStatusCode.Forbidden, (await key.PostAsJsonAsync("/api/users", new { email = "boss2@acme.test", password = KernelHost.TenantPassword, isTenantAdmin = true })).StatusCode);
        var adminId = (await admin.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, (await key.PostAsync($"/api/users/{adminId}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await key.PostAsync($"/api/users/{user["id"]}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await key.PutAsJsonAsync($"/api/users/{user["id"]}/roles", new { roles = new[] { "sales-rep" } })).StatusCode);
        // what it writes is in the audit, under the key
        await key.CreateAsync(Url, new { name = "Made by the key" });
        Assert.Contains((await admin.GetObjectAsync("/api/audit?limit=50"))["items"]!.AsArray(), a => a!["userId"]!.GetValue<string>().StartsWith("apikey:"));
        // still only its own tenant
        Assert.DoesNotContain((await key.GetFromJsonAsync<JsonObject>("/api/users?limit=500"))!["items"]!.AsArray(), u => u!["email"]!.GetValue<string>().EndsWith("@globex.test"));

        // a key does not make keys (revoking a leaked key must not leave others it made), nor has a password
        Assert.Equal(HttpStatusCode.Forbidden, (await key.PostAsJsonAsync("/api/api-keys", new { name = "Copy", role = "tenant-admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await key.PostAsJsonAsync("/api/auth/password", new { currentPassword = "x", newPassword = "Brand-New-Secret-77" })).StatusCode);

        // a key of another role stays out of the administrators' endpoints
        using var reader = WithKey(host, (await admin.CreateAsync("/api/api-keys", new { name = "BI", role = "read-only" }))["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("/api/jobs/runs")).StatusCode);
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
        // signed in inside, then called from outside: refused
        using var outside = await host.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword, "10.9.9.9");
        outside.DefaultRequestHeaders.Remove("X-Test-Client-Address");
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
