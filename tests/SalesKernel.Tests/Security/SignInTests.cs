using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
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

    private static Task<HttpResponseMessage> SignInFromAsync(HttpClient client, string address, string email, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Add("X-Test-Client-Address", address);
        return client.SendAsync(request);
    }

    private static async Task<DateTimeOffset?> LockedUntilAsync(HttpClient admin, string email) =>
        (await admin.GetFromJsonAsync<JsonObject>("/api/users?limit=500"))!["items"]!.AsArray()
            .First(u => u!["email"]!.GetValue<string>() == email)!["lockedUntilUtc"]?.GetValue<DateTimeOffset>();

    [Fact]
    public async Task An_address_that_keeps_failing_waits_longer_each_time_then_is_locked_out_of_the_account_while_its_owner_signs_in_elsewhere()
    {
        // frozen: the waits are exact however slowly a loaded machine runs the requests
        var clock = new MovableClock { FrozenAt = DateTimeOffset.UtcNow };
        await using var root = new KernelHost(_plugins, _db);
        await using var host = root.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var admin = await root.TenantClientAsync("acme");
        using var rep = await AddUserAsync(root, admin, "rep@acme.test");
        using var client = host.CreateClient();
        const string attacker = "203.0.113.7", owner = "198.51.100.9";

        // three failures at once: all counted, none slowed yet
        var first = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SignInFromAsync(client, attacker, "rep@acme.test", "Wrong-Pass-0000")));
        Assert.All(first, w => Assert.Equal(HttpStatusCode.Unauthorized, w.StatusCode));
        var refused = (await first[0].ObjectAsync())["detail"]!.GetValue<string>();
        // then the address waits before each attempt, twice as long after each failure — even with the right password
        foreach (var wait in new[] { 1, 2 })
        {
            var slowed = await SignInFromAsync(client, attacker, "rep@acme.test", KernelHost.TenantPassword);
            Assert.Equal(HttpStatusCode.TooManyRequests, slowed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(wait), slowed.Headers.RetryAfter!.Delta);
            clock.Ahead += TimeSpan.FromSeconds(wait);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInFromAsync(client, attacker, "rep@acme.test", "Wrong-Pass-0000")).StatusCode);
        }
        // five failures from that address: the account is locked there, and the right password is refused as any failure is
        clock.Ahead += TimeSpan.FromSeconds(4);
        var locked = await SignInFromAsync(client, attacker, "rep@acme.test", KernelHost.TenantPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal(refused, (await locked.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Contains("locked", refused);
        // the answer is the same for an account that does not exist: it tells nobody which emails are real
        var unknown = await SignInFromAsync(client, "192.0.2.1", "nobody@acme.test", "Wrong-Pass-0000");
        Assert.Equal(refused, (await unknown.ObjectAsync())["detail"]!.GetValue<string>());

        // the owner, elsewhere, is not locked out by someone who knew their email
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(client, owner, "rep@acme.test", KernelHost.TenantPassword)).StatusCode);
        Assert.Null(await LockedUntilAsync(admin, "rep@acme.test"));
        // after the lockout time the address may try again
        clock.Ahead += TimeSpan.FromMinutes(15);
        Assert.Equal(HttpStatusCode.OK, (await SignInFromAsync(client, attacker, "rep@acme.test", KernelHost.TenantPassword)).StatusCode);
    }

    [Fact]
    public async Task The_waits_tell_a_locked_account_from_an_unknown_email_no_more_than_the_answers_do()
    {
        var clock = new MovableClock { FrozenAt = DateTimeOffset.UtcNow };
        await using var root = new KernelHost(_plugins, _db);
        await using var host = root.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var admin = await root.TenantClientAsync("acme");
        using var rep = await AddUserAsync(root, admin, "rep@acme.test");
        using var client = host.CreateClient();

        // the same guessing, honouring every Retry-After, on an account (locked out after five) and on an email no account has
        async Task<List<string>> GuessAsync(string address, string email)
        {
            var seen = new List<string>();
            for (var attempt = 0; attempt < 9; attempt++)
            {
                var answer = await SignInFromAsync(client, address, email, "Wrong-Pass-0000");
                seen.Add($"{(int)answer.StatusCode} {answer.Headers.RetryAfter?.Delta} {(await answer.ObjectAsync())["detail"]}");
                clock.Ahead += answer.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
            }
            return seen;
        }
        var onAccount = await GuessAsync("203.0.113.10", "rep@acme.test");
        var onNobody = await GuessAsync("203.0.113.11", "nobody@acme.test");
        Assert.Equal(onNobody, onAccount);
        Assert.Contains(onAccount, a => a.StartsWith("429", StringComparison.Ordinal));
        // and one address alone never locks the account for everyone
        Assert.Null(await LockedUntilAsync(admin, "rep@acme.test"));
    }

    [Fact]
    public async Task Failures_spread_over_many_addresses_lock_the_account_for_everyone()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Security:MaxFailedSignInsAnywhere"] = "6" });
        using var admin = await host.TenantClientAsync("acme");
        using var rep = await AddUserAsync(host, admin, "rep@acme.test");
        using var client = host.CreateClient();
        // two failures from each of three addresses: no address is slowed or locked out on its own
        foreach (var address in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
            for (var i = 0; i < 2; i++)
                Assert.Equal(HttpStatusCode.Unauthorized, (await SignInFromAsync(client, address, "rep@acme.test", "Wrong-Pass-0000")).StatusCode);
        Assert.NotNull(await LockedUntilAsync(admin, "rep@acme.test"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInFromAsync(client, "198.51.100.9", "rep@acme.test", KernelHost.TenantPassword)).StatusCode);
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
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?>
        {
            ["SalesKernel:Security:SignInsPerMinute"] = "3",
            ["SalesKernel:Security:FailuresBeforeDelay"] = "100", // the per-minute limit, not the slow-down of failing addresses
        });
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
        // a password shown on a console is not the administrator's own: the first sign-in must choose one
        Assert.True(Convert.ToBoolean(await _db.ScalarAsync("SELECT \"MustChangePassword\" FROM sk_user WHERE \"TenantId\" IS NULL")));
    }

    [Fact]
    public async Task Signed_in_with_a_one_time_password_the_administrator_may_only_choose_a_new_one()
    {
        await using var host = new KernelHost(_plugins, _db);
        _ = host.Services; // starts the host: the configured password is the operator's choice, nothing to change
        Assert.False(Convert.ToBoolean(await _db.ScalarAsync("SELECT \"MustChangePassword\" FROM sk_user WHERE \"TenantId\" IS NULL")));
        await _db.ExecuteAsync($"UPDATE sk_user SET \"MustChangePassword\" = {_db.Literal(true)} WHERE \"TenantId\" IS NULL");

        using var platform = await host.PlatformClientAsync();
        Assert.True((await platform.GetObjectAsync("/api/auth/me"))["mustChangePassword"]!.GetValue<bool>());
        var refused = await platform.GetAsync("/api/tenants");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("/api/auth/password", (await refused.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await platform.PostAsJsonAsync("/api/tenants", new { code = "acme" })).StatusCode);
        // in the caller's language
        var inChinese = new HttpRequestMessage(HttpMethod.Get, "/api/tenants") { Headers = { { "Accept-Language", "zh-CN" } } };
        Assert.Equal("请先设置新密码", (await (await platform.SendAsync(inChinese)).ObjectAsync())["title"]!.GetValue<string>());
        var same = await platform.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.PlatformPassword, newPassword = KernelHost.PlatformPassword });
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.NotNull((await same.ObjectAsync())["errors"]!["newPassword"]);
        Assert.Equal(HttpStatusCode.NoContent,
            (await platform.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.PlatformPassword, newPassword = "My-Own-Pass-2027" })).StatusCode);

        using var again = await host.SignedInClientAsync(KernelHost.PlatformEmail, "My-Own-Pass-2027");
        Assert.False((await again.GetObjectAsync("/api/auth/me"))["mustChangePassword"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/tenants")).StatusCode);
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
