using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// Two hosts on one database, as behind a load balancer: what one host saves about who may do what
/// — a grant, a password, the allow-list, a module — the other sees on its very next request, and the
/// sign-in limit is counted once for both.
/// </summary>
public sealed class SharedChangesTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _plugins.Dispose();
        _db.Dispose();
        return Task.CompletedTask;
    }

    private KernelHost Host(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        all.TryAdd("SalesKernel:Security:SharedChangeCheck", "EveryRequest"); // the default on PostgreSQL only
        return new KernelHost(_plugins, _db, all);
    }

    [Fact]
    public async Task What_one_host_saves_about_access_the_other_sees_on_its_next_request()
    {
        await using var one = Host();
        await using var two = Host();
        using var admin = await one.TenantClientAsync("acme");
        admin.DefaultRequestHeaders.Add("X-Test-Client-Address", "10.1.2.3");
        using var repOnOne = await one.AddUserAsync(admin, "rep@acme.test", "sales-rep");
        await admin.CreateAsync(Url, new { name = "Of the administrator" });
        using var rep = await two.SignedInClientAsync("rep@acme.test", KernelHost.TenantPassword, "10.1.2.3");
        using var outsider = await two.SignedInClientAsync("rep@acme.test", KernelHost.TenantPassword, "198.51.100.20");

        // host two has what it needs cached: the rep's access, modules, networks and security stamp
        Assert.Empty((await rep.GetObjectAsync(Url)).Names());
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync(Url)).StatusCode);

        // a grant widened through host one: host two's next request reads with it
        (await admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customers.read", depth = "Tenant" })).EnsureSuccessStatusCode();
        Assert.Equal(["Of the administrator"], (await rep.GetObjectAsync(Url)).Names());

        // the allow-list set through host one: host two refuses the outsider at once, and lets the rep in
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "10.0.0.0/8" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync(Url)).StatusCode);

        // the module switched off through host one: its endpoints are gone on host two, and back when it is on
        (await admin.PutAsJsonAsync("/api/tenant/plugins/customers", new { enabled = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await rep.GetAsync(Url)).StatusCode);
        (await admin.PutAsJsonAsync("/api/tenant/plugins/customers", new { enabled = true })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync(Url)).StatusCode);

        // the rep's password changed through host one: the token host two accepted a moment ago is revoked there
        repOnOne.DefaultRequestHeaders.Add("X-Test-Client-Address", "10.1.2.3");
        Assert.Equal(HttpStatusCode.NoContent, (await repOnOne.PostAsJsonAsync("/api/auth/password",
            new { currentPassword = KernelHost.TenantPassword, newPassword = "Another-Pass-2026" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await rep.GetAsync(Url)).StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_are_counted_once_for_every_host()
    {
        // at the start of a minute, so that the attempts below fall in one
        var now = DateTimeOffset.UtcNow;
        var clock = new MovableClock { Ahead = TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(now.Ticks % TimeSpan.TicksPerMinute) + TimeSpan.FromSeconds(1) };
        await using var limited = Host(new() { ["SalesKernel:Security:SignInsPerMinute"] = "3" });
        await using var one = limited.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        await using var two = limited.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        HttpClient From(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> host, string address)
        {
            var client = host.CreateClient();
            client.DefaultRequestHeaders.Add("X-Test-Client-Address", address);
            return client;
        }
        using var a1 = From(one, "10.0.0.1");
        using var a2 = From(two, "10.0.0.1");
        using var other = From(one, "10.0.0.2");
        Task<HttpResponseMessage> SignIn(HttpClient client) => client.PostAsJsonAsync("/api/auth/login", new { email = "nobody@x.test", password = "Whatever-123456" });

        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { a1, a2, a1 }) statuses.Add((await SignIn(client)).StatusCode);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
        var refused = await SignIn(a2); // the fourth of the minute, through the other host
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.Contains("3 sign-in attempts a minute", (await refused.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(other)).StatusCode); // another address has its own count
        // the next minute counts afresh
        clock.Ahead += TimeSpan.FromMinutes(1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(a2)).StatusCode);
    }
}
