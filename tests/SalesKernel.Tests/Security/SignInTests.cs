using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>Sign-in, tokens, lockout, revocation and the rate limit.</summary>
public sealed class SignInTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private static Task<HttpClient> AddUserAsync(KernelHost host, HttpClient admin, string email) =>
        host.AddUserAsync(admin, email, "sales-rep");

    [Fact]
    public async Task Every_endpoint_needs_a_signed_in_caller_unless_it_is_public()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var anonymous = host.CreateClient();
        foreach (var url in new[] { "/api/customers/customers", "/api/meta", "/api/plugins", "/api/audit", "/api/users", "/api/custom-fields", "/api/auth/me" })
        {
            var response = await anonymous.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{url} answered {(int)response.StatusCode} to an anonymous caller");
        }
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        var garbage = host.CreateClient();
        garbage.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await garbage.GetAsync("/api/meta")).StatusCode);
    }

    [Fact]
    public async Task A_token_identifies_the_user_and_a_refresh_token_gives_a_new_one()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        var me = await admin.GetObjectAsync("/api/auth/me");
        Assert.Equal(KernelHost.TenantAdminEmail("acme"), me["email"]!.GetValue<string>());
        Assert.True(me["isTenantAdmin"]!.GetValue<bool>());

        using var client = host.CreateClient();
        var signIn = await (await client.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        Assert.Equal("Bearer", signIn["tokenType"]!.GetValue<string>());
        Assert.True(signIn["expiresIn"]!.GetValue<long>() > 0);
        var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = signIn["refreshToken"]!.GetValue<string>() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await refreshed.ObjectAsync())["accessToken"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/customers/customers")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "forged" })).StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_sign_ins_lock_the_account_even_for_the_right_password()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        using var rep = await AddUserAsync(host, admin, "rep@acme.test");
        using var client = host.CreateClient();
        // five attempts at once: every one is counted
        var wrong = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            client.PostAsJsonAsync("/api/auth/login", new { email = "rep@acme.test", password = "Wrong-Pass-0000" })));
        Assert.All(wrong, w => Assert.Equal(HttpStatusCode.Unauthorized, w.StatusCode));
        var right = await client.PostAsJsonAsync("/api/auth/login", new { email = "rep@acme.test", password = KernelHost.TenantPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        var locked = (await right.ObjectAsync())["detail"]!.GetValue<string>();
        Assert.Contains("locked", locked);
        // the answer is the same for an account that does not exist: it tells nobody which emails are real
        var unknown = await client.PostAsJsonAsync("/api/auth/login", new { email = "nobody@acme.test", password = "Wrong-Pass-0000" });
        Assert.Equal(locked, (await unknown.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(locked, (await wrong[0].ObjectAsync())["detail"]!.GetValue<string>());
        Assert.NotNull((await admin.GetFromJsonAsync<JsonObject>("/api/users?limit=500"))!["items"]!.AsArray().First(u => u!["email"]!.GetValue<string>() == "rep@acme.test")!["lockedUntilUtc"]);
    }

    [Fact]
    public async Task Changing_the_password_or_disabling_the_user_revokes_their_tokens()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        using var rep = await AddUserAsync(host, admin, "rep@acme.test");
        using var rep2 = await AddUserAsync(host, admin, "rep2@acme.test");
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync("/api/customers/customers")).StatusCode);

        var weak = await rep.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.TenantPassword, newPassword = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var changed = await rep.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.TenantPassword, newPassword = "Another-Pass-2027" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        var revoked = await rep.GetAsync("/api/customers/customers");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal("The token was revoked", (await revoked.ObjectAsync())["title"]!.GetValue<string>());
        using var again = await host.SignedInClientAsync("rep@acme.test", "Another-Pass-2027");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/customers/customers")).StatusCode);

        var id = (await admin.GetFromJsonAsync<JsonObject>("/api/users?limit=500"))!["items"]!.AsArray().First(u => u!["email"]!.GetValue<string>() == "rep2@acme.test")!["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/users/{id}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await rep2.GetAsync("/api/customers/customers")).StatusCode);
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/login", new { email = "rep2@acme.test", password = KernelHost.TenantPassword })).StatusCode);
    }

    [Fact]
    public async Task Only_administrators_manage_users_tenants_and_modules()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var admin = await host.TenantClientAsync("acme");
        using var rep = await AddUserAsync(host, admin, "rep@acme.test");
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.GetAsync("/api/tenant/plugins")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.PostAsJsonAsync("/api/tenants", new { code = "evil" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/users", new { email = "rep@acme.test", password = KernelHost.TenantPassword })).StatusCode);
    }

    [Fact]
    public async Task Sign_ins_are_rate_limited_per_client()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Security:SignInsPerMinute"] = "3" });
        using var client = host.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            statuses.Add((await client.PostAsJsonAsync("/api/auth/login", new { email = "nobody@x.test", password = "Whatever-123456" })).StatusCode);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Without_a_configured_password_the_first_administrator_gets_a_random_one()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Bootstrap:AdminPassword"] = "" });
        _ = host.Services; // starts the host
        using var client = host.CreateClient();
        var withTestPassword = await client.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.PlatformEmail, password = KernelHost.PlatformPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, withTestPassword.StatusCode);
        Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_user WHERE \"TenantId\" IS NULL")));
    }

    [Fact]
    public async Task Responses_carry_security_headers_the_swagger_pages_and_errors_too()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var client = host.CreateClient();
        foreach (var url in new[] { "/health", "/swagger/index.html", "/swagger/v1/swagger.json", "/api/meta", "/nowhere" })
        {
            var response = await client.GetAsync(url);
            Assert.True(response.Headers.Contains("X-Content-Type-Options"), $"{url} ({(int)response.StatusCode}) has no security headers");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
        // Swagger UI may run its own scripts, from this host only; the API may run none
        Assert.Contains("script-src 'self'", (await client.GetAsync("/swagger/index.html")).Headers.GetValues("Content-Security-Policy").Single());
        Assert.StartsWith("default-src 'none'", (await client.GetAsync("/health")).Headers.GetValues("Content-Security-Policy").Single());
    }
}
