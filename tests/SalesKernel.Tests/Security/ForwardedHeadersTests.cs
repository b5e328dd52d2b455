using System.Net;
using System.Net.Http.Json;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// Behind a configured proxy the client's address is the one the proxy forwards — for the IP allow-list
/// and the audit — and a forwarded address from anyone else is ignored.
/// </summary>
public sealed class ForwardedHeadersTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Proxy = "10.9.9.9";
    private const string Url = "/api/customers/customers";

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SalesKernel:Proxy:KnownProxies:0"] = Proxy,
    };

    private HttpClient From(string connection, string? forwardedFor)
    {
        var client = _host.CreateClient();
        client.DefaultRequestHeaders.Authorization = _client.DefaultRequestHeaders.Authorization;
        client.DefaultRequestHeaders.Add("X-Test-Client-Address", connection);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }

    [Fact]
    public async Task Two_clients_behind_the_proxy_are_told_apart_and_a_client_cannot_name_its_own_address()
    {
        using var inside = From(Proxy, "203.0.113.5");
        using var outside = From(Proxy, "198.51.100.7");
        using var spoofing = From("198.51.100.7", "203.0.113.5"); // not the proxy: its header is not believed

        // the administrator behind the proxy restricts the tenant to its own network: its address is the forwarded one
        Assert.Equal(HttpStatusCode.NoContent, (await inside.PutAsJsonAsync("/api/tenant/ip-allow-list", new { networks = new[] { "203.0.113.0/24" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await inside.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outside.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await spoofing.GetAsync(Url)).StatusCode);

        // the audit names the client, not the proxy
        var created = await inside.CreateAsync(Url, new { name = "Forwarded Co" });
        var audit = (await inside.GetObjectAsync("/api/audit?limit=20"))["items"]!.AsArray();
        var entry = audit.First(a => a!["recordId"]?.ToString() == created["id"]!.ToString());
        Assert.Equal("203.0.113.5", entry!["clientIp"]!.GetValue<string>());
    }
}
