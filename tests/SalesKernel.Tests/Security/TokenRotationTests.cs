using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// Refresh tokens rotate and a replay ends the chain (OAuth 2.0 Security BCP); token answers are
/// never cached; sign-in and refresh honour the tenant's IP allow-list without telling whether an
/// account exists.
/// </summary>
public sealed class TokenRotationTests() : TenantHostTest(PluginFolder.Customers)
{
    private static readonly string Admin = KernelHost.TenantAdminEmail("acme");

    private async Task<HttpResponseMessage> SignInAsync(string email, string password, string? address = null)
    {
        using var client = _host.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email, password }) };
        if (address is not null) request.Headers.Add("X-Test-Client-Address", address);
        return await client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> RefreshAsync(string? token, string? address = null)
    {
        using var client = _host.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh") { Content = JsonContent.Create(new { refreshToken = token }) };
        if (address is not null) request.Headers.Add("X-Test-Client-Address", address);
        return await client.SendAsync(request);
    }

    private async Task<HttpStatusCode> MeAsync(string accessToken)
    {
        using var client = _host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return (await client.GetAsync("/api/auth/me")).StatusCode;
    }

    private static string Token(JsonObject answer, string name) => answer[name]!.GetValue<string>();

    [Fact]
    public async Task Each_refresh_returns_a_new_refresh_token_and_uses_the_old_one_up()
    {
        var signIn = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        var first = Token(signIn, "refreshToken");

        var refreshed = await RefreshAsync(first);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var second = await refreshed.ObjectAsync();
        Assert.NotEqual(first, Token(second, "refreshToken"));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(Token(second, "accessToken")));

        var third = await (await RefreshAsync(Token(second, "refreshToken"))).ObjectAsync();
        Assert.Equal(HttpStatusCode.OK, await MeAsync(Token(third, "accessToken")));
        // only the hash of a token is kept
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync($"SELECT COUNT(*) FROM sk_refresh_token WHERE \"Id\" = '{Token(third, "refreshToken")}'")));
    }

    [Fact]
    public async Task A_used_refresh_token_presented_again_revokes_the_whole_chain()
    {
        var signIn = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        var stolen = Token(signIn, "refreshToken");
        var legitimate = await (await RefreshAsync(stolen)).ObjectAsync(); // the owner refreshes first

        // the thief replays the old token: refused, and the owner's newer token dies with it
        var replay = await RefreshAsync(stolen);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("used before", (await replay.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Token(legitimate, "refreshToken"))).StatusCode);

        // another sign-in is another chain, untouched
        var other = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(Token(other, "refreshToken"))).StatusCode);
    }

    [Fact]
    public async Task Refreshes_with_the_same_token_at_once_give_one_new_token_and_the_replays_end_it()
    {
        var signIn = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        var token = Token(signIn, "refreshToken");
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => RefreshAsync(token)));
        var statuses = string.Join(", ", answers.Select(a => (int)a.StatusCode));
        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.True(answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized) == 5, statuses);
        // the five others were replays of a used token: the token the winner got is revoked with its chain
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Token(await winner.ObjectAsync(), "refreshToken"))).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_ends_after_the_session_days_however_often_it_is_refreshed()
    {
        var clock = new MovableClock();
        await using var timed = _host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var client = timed.CreateClient();
        var answer = await (await client.PostAsJsonAsync("/api/auth/login", new { email = Admin, password = KernelHost.TenantPassword })).ObjectAsync();
        var token = Token(answer, "refreshToken");
        for (var day = 10; day <= 30; day += 10)
        {
            clock.Ahead = TimeSpan.FromDays(day) - TimeSpan.FromMinutes(1); // refreshed every 10 days: within the 14-day token each time
            var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = token });
            Assert.True(refreshed.StatusCode == HttpStatusCode.OK, $"day {day}: {(int)refreshed.StatusCode}");
            token = Token(await refreshed.ObjectAsync(), "refreshToken");
        }
        clock.Ahead = TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1); // 30 days after the sign-in
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = token })).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_chain_and_bad_tokens_are_refused_plainly()
    {
        var signIn = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        var next = await (await RefreshAsync(Token(signIn, "refreshToken"))).ObjectAsync();
        using var client = _host.CreateClient();
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/auth/logout", new { refreshToken = Token(next, "refreshToken") })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Token(next, "refreshToken"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/auth/logout", new { refreshToken = "rt_unknown" })).StatusCode);

        foreach (var bad in new[] { null, "", "garbage", new string('x', 5000) })
            Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(bad)).StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_every_refresh_chain_of_the_user()
    {
        var signIn = await (await SignInAsync(Admin, KernelHost.TenantPassword)).ObjectAsync();
        (await _client.PostAsJsonAsync("/api/auth/password", new { currentPassword = KernelHost.TenantPassword, newPassword = "Another-Pass-2027" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Token(signIn, "refreshToken"))).StatusCode);
    }

    [Fact]
    public async Task Token_answers_are_never_cached()
    {
        var signIn = await SignInAsync(Admin, KernelHost.TenantPassword);
        foreach (var answer in new[] { signIn, await RefreshAsync(Token(await signIn.ObjectAsync(), "refreshToken")) })
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.True(answer.Headers.CacheControl?.NoStore, $"Cache-Control: {answer.Headers.CacheControl}");
            Assert.Contains("no-cache", answer.Headers.Pragma.Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Sign_in_and_refresh_from_outside_the_tenants_networks_are_refused_without_telling_whether_the_account_exists()
    {
        _client.DefaultRequestHeaders.Add("X-Test-Client-Address", "10.1.2.3");
        var inside = await (await SignInAsync(Admin, KernelHost.TenantPassword, "10.1.2.3")).ObjectAsync();
        (await _client.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "10.0.0.0/8" } })).EnsureSuccessStatusCode();
        const string outside = "198.51.100.20";

        // the right password from outside: 403, and no token
        var refused = await SignInAsync(Admin, KernelHost.TenantPassword, outside);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("accessToken", await refused.Content.ReadAsStringAsync());
        // a wrong password from outside and an unknown account from outside answer alike: 401
        var wrong = await SignInAsync(Admin, "Wrong-Pass-2026", outside);
        var unknown = await SignInAsync("nobody@acme.test", "Wrong-Pass-2026", outside);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal((await unknown.ObjectAsync())["detail"]!.ToString(), (await wrong.ObjectAsync())["detail"]!.ToString());

        // a refresh token taken outside is refused there, and still works inside
        Assert.Equal(HttpStatusCode.Forbidden, (await RefreshAsync(Token(inside, "refreshToken"), outside)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(Token(inside, "refreshToken"), "10.20.30.40")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(Admin, KernelHost.TenantPassword, "10.20.30.40")).StatusCode);

        // the platform administrator belongs to no tenant: no tenant's list applies
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(KernelHost.PlatformEmail, KernelHost.PlatformPassword, outside)).StatusCode);
    }
}
