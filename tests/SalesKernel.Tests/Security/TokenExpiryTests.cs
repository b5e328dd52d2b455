using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>Access tokens expire; refresh tokens outlive them, then expire too.</summary>
public sealed class TokenExpiryTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task An_access_token_expires_and_the_refresh_token_gets_a_new_one_until_it_expires_too()
    {
        var clock = new MovableClock();
        await using var host = new KernelHost(_plugins, _db);
        await using var timed = host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using (var admin = await ((KernelHost)host).TenantClientAsync("acme")) { }

        using var client = timed.CreateClient();
        var signIn = await (await client.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signIn["accessToken"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);

        clock.Ahead = TimeSpan.FromMinutes(61); // past the 60-minute access token
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/auth/me")).StatusCode);
        var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = signIn["refreshToken"]!.GetValue<string>() });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await refreshed.ObjectAsync())["accessToken"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);

        clock.Ahead = TimeSpan.FromDays(15); // past the 14-day refresh token
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = signIn["refreshToken"]!.GetValue<string>() })).StatusCode);
    }
}
