using System.Net;
using System.Net.Http.Json;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>What every answer promises a client: a Location that can be read, and nothing a cache may keep.</summary>
public sealed class AnswerTests() : TenantHostTest(PluginFolder.Customers)
{
    // the webhook below points at a name this machine cannot resolve
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["SalesKernel:Webhooks:AllowPrivateAddresses"] = "true" };

    [Fact]
    public async Task Every_created_thing_answers_a_Location_that_reads_it_back()
    {
        using var platform = await _host.PlatformClientAsync();
        var created = new List<(HttpClient Client, HttpResponseMessage Answer)>
        {
            (platform, await platform.PostAsJsonAsync("/api/tenants", new { code = "globex", name = "Globex", admin = new { email = "boss@globex.test", password = KernelHost.TenantPassword } })),
            (_client, await _client.PostAsJsonAsync("/api/users", new { email = "rep@acme.test", password = KernelHost.TenantPassword })),
            (_client, await _client.PostAsJsonAsync("/api/teams", new { name = "East" })),
            (_client, await _client.PostAsJsonAsync("/api/roles", new { code = "director", name = "Sales director" })),
            (_client, await _client.PostAsJsonAsync("/api/api-keys", new { name = "ERP sync", role = "read-only" })),
            (_client, await _client.PostAsJsonAsync("/api/webhooks", new { url = "https://hooks.example.com/crm", events = new[] { "customers.customers" } })),
            (_client, await _client.PostAsJsonAsync("/api/automation-rules", new
            {
                name = "Key accounts", entity = "customers.customers", trigger = "created", condition = "region eq 'East'",
                actions = new object[] { new { type = "set", fields = new { tier = "Key" } } },
            })),
            (_client, await _client.PostAsJsonAsync("/api/custom-fields", new { entity = "customers.customers", name = "cf_wechat", type = "Text", displayName = new { en = "WeChat" } })),
            (_client, await _client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme Trading" })),
        };
        foreach (var (client, answer) in created)
        {
            var what = answer.RequestMessage!.RequestUri!.AbsolutePath;
            Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{what}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            var location = answer.Headers.Location!.OriginalString;
            var read = await client.GetAsync(location);
            Assert.True(read.StatusCode == HttpStatusCode.OK, $"{what} answered Location {location}, which answers {(int)read.StatusCode}");
            var id = (await answer.ObjectAsync())["id"]!.ToString();
            Assert.Equal(id, (await read.ObjectAsync())["id"]!.ToString());
        }
        // what is not there (or belongs to another company) is a 404, not a 500
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/users/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync($"/api/tenants/{Guid.NewGuid()}")).StatusCode);
        var globexAdmin = await _host.SignedInClientAsync("boss@globex.test", KernelHost.TenantPassword);
        Assert.Equal(HttpStatusCode.NotFound, (await globexAdmin.GetAsync(created[1].Answer.Headers.Location!.OriginalString)).StatusCode);
    }

    [Fact]
    public async Task Answers_with_records_or_tokens_are_never_stored_by_a_cache()
    {
        var id = (await _client.CreateAsync("/api/customers/customers", new { name = "Acme Trading" }))["id"]!.GetValue<Guid>();
        using var anonymous = _host.CreateClient();
        var answers = new[]
        {
            await _client.GetAsync($"/api/customers/customers/{id}"),
            await _client.GetAsync("/api/customers/customers"),
            await _client.GetAsync("/api/meta"),
            await _client.GetAsync("/api/users"),
            await _client.GetAsync($"/api/customers/customers/{Guid.NewGuid()}"),
            await anonymous.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword }),
        };
        foreach (var answer in answers)
            Assert.True(answer.Headers.CacheControl?.NoStore == true, $"{answer.RequestMessage!.RequestUri!.AbsolutePath} ({(int)answer.StatusCode}) may be cached: {answer.Headers.CacheControl}");
    }
}
