using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

public sealed class AuditAndMetadataTests() : TenantHostTest(PluginFolder.Customers, PluginFolder.Credit)
{
    private const string Url = "/api/customers/customers";

    [Fact]
    public async Task Every_create_update_and_delete_is_audited_with_each_changed_field()
    {
        var id = (await _client.CreateAsync(Url, new { name = "Acme", region = "East" }))["id"]!.GetValue<Guid>();
        (await _client.PatchAsync($"{Url}/{id}", new { region = "West", industry = "Steel" })).EnsureSuccessStatusCode();
        (await _client.DeleteAsync($"{Url}/{id}")).EnsureSuccessStatusCode();

        var audit = await _client.GetObjectAsync($"/api/audit?entity=customers.customers&recordId={id}");
        var items = audit["items"]!.AsArray();
        Assert.Equal(["Delete", "Update", "Create"], items.Select(i => i!["operation"]!.GetValue<string>()));
        var update = items[1]!["changes"]!.AsArray().ToDictionary(c => c!["field"]!.GetValue<string>());
        Assert.Equal(["region", "industry"], update.Keys.Order().Reverse());
        Assert.Equal("East", update["region"]!["before"]!.GetValue<string>());
        Assert.Equal("West", update["region"]!["after"]!.GetValue<string>());
        Assert.Null(update["industry"]!["before"]);
        Assert.All(items, i => Assert.Equal("customers.customers", i!["entitySet"]!.GetValue<string>()));
        Assert.Contains(items[0]!["changes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "name" && c["before"]!.GetValue<string>() == "Acme");
    }

    [Fact]
    public async Task Kernel_lists_page_like_every_list_with_limit_and_cursor()
    {
        for (var i = 0; i < 5; i++)
            await _client.CreateAsync("/api/users", new { email = $"user{i}@acme.test", password = KernelHost.TenantPassword });
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _client.GetObjectAsync($"/api/users?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.InRange(page["items"]!.AsArray().Count, 1, 2);
            seen.AddRange(page["items"]!.AsArray().Select(u => u!["email"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(6, seen.Count); // the administrator and the five
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/users?cursor=bnVsbA")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/users?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/approvals/inbox?cursor=x")).StatusCode);
    }

    [Fact]
    public async Task The_audit_pages_newest_first_and_filters_by_time()
    {
        for (var i = 0; i < 5; i++) await _client.CreateAsync(Url, new { name = $"C{i}" });
        var first = await _client.GetObjectAsync("/api/audit?limit=3");
        Assert.Equal(3, first["items"]!.AsArray().Count);
        var next = first["nextCursor"]!.GetValue<string>();
        var second = await _client.GetObjectAsync($"/api/audit?limit=3&cursor={next}");
        Assert.Equal(2, second["items"]!.AsArray().Count);
        Assert.Null(second["nextCursor"]);
        var future = await _client.GetObjectAsync($"/api/audit?from={Uri.EscapeDataString(DateTime.UtcNow.AddHours(1).ToString("O"))}");
        Assert.Empty(future["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/audit?from=yesterday")).StatusCode);
    }

    [Fact]
    public async Task Nothing_in_the_API_changes_or_deletes_audit_records()
    {
        await _client.CreateAsync(Url, new { name = "Acme" });
        var id = (await _client.GetObjectAsync("/api/audit"))["items"]![0]!["id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _client.DeleteAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync($"/api/audit/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _client.PostAsJsonAsync("/api/audit", new { })).StatusCode);
        Assert.Equal(1L, await _db.CountAsync("sk_audit"));
    }

    [Theory]
    [InlineData("zh-CN,zh;q=0.9,en;q=0.8", "客户", "信用额度", "转为客户", "查看客户", "审批信用额度")]
    [InlineData("en-GB,en;q=0.9", "Customer", "Credit limit", "Make a customer", "Read Customers", "Approve credit limits")]
    [InlineData(null, "Customer", "Credit limit", "Make a customer", "Read Customers", "Approve credit limits")]
    [InlineData("fr-FR,zh-TW;q=0.5", "客户", "信用额度", "转为客户", "查看客户", "审批信用额度")]
    public async Task Every_display_name_reaches_the_API_in_the_callers_language(string? acceptLanguage, string set, string field,
        string transition, string privilege, string permission)
    {
        async Task<JsonNode> GetAsync(string url)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (acceptLanguage is not null) request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
            var answer = await _client.SendAsync(request);
            answer.EnsureSuccessStatusCode();
            return (await answer.Content.ReadFromJsonAsync<JsonNode>())!;
        }
        var meta = await GetAsync("/api/meta");
        var customers = meta["entitySets"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "customers.customers")!;
        Assert.Equal(set, customers["label"]!.GetValue<string>());
        Assert.Equal(field, customers["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "creditLimit")!["label"]!.GetValue<string>());
        Assert.Equal(transition, customers["stateMachine"]!["transitions"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "convert")!["label"]!.GetValue<string>());
        Assert.Equal(permission, meta["permissions"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "credit.limits.approve")!["label"]!.GetValue<string>());
        var grants = (await GetAsync("/api/roles/sales-rep/grants")).AsArray();
        Assert.Equal(privilege, grants.Single(g => g!["permission"]!.GetValue<string>() == "customers.customers.read")!["displayName"]!.GetValue<string>());
        Assert.Equal(permission, grants.Single(g => g!["permission"]!.GetValue<string>() == "credit.limits.approve")!["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metadata_describes_fields_flags_extensions_custom_fields_and_endpoints()
    {
        await _client.CreateAsync("/api/custom-fields", new { entity = "customers.customers", name = "cf_wechat", type = "Text", displayName = new { en = "WeChat", zhHans = "微信" } });
        var meta = await _client.GetObjectAsync("/api/meta");
        var sets = meta["entitySets"]!.AsArray().ToDictionary(s => s!["name"]!.GetValue<string>());
        var customers = sets["customers.customers"]!;
        Assert.Equal("/api/customers/customers", customers["route"]!.GetValue<string>());
        Assert.Equal("客户", customers["displayName"]!["zhHans"]!.GetValue<string>());
        Assert.Equal(["List", "Get", "Create", "Update", "Delete", "BulkCreate"], customers["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()));

        var fields = customers["fields"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>());
        Assert.Equal("Text", fields["name"]!["type"]!.GetValue<string>());
        Assert.True(fields["name"]!["required"]!.GetValue<bool>());
        Assert.True(fields["name"]!["searchable"]!.GetValue<bool>());
        Assert.Equal(200, fields["name"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(["Strategic", "Key", "Standard", "Basic"], fields["tier"]!["choices"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("Extension", fields["creditLimit"]!["source"]!.GetValue<string>());
        Assert.Equal("credit", fields["creditLimit"]!["owner"]!.GetValue<string>());
        Assert.Equal("Money", fields["creditLimit"]!["type"]!.GetValue<string>());
        Assert.Equal("Custom", fields["cf_wechat"]!["source"]!.GetValue<string>());
        Assert.True(fields["version"]!["readOnly"]!.GetValue<bool>());
        Assert.True(customers["owned"]!.GetValue<bool>());
        Assert.True(fields["ownerId"]!["filterable"]!.GetValue<bool>());
        Assert.False(sets["credit.changes"]!["owned"]!.GetValue<bool>());
        Assert.Equal(["List", "Get"], sets["credit.changes"]!["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("customers.customers", sets["credit.changes"]!["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == "customerId")!["referenceTo"]!.GetValue<string>());
        Assert.Contains(meta["permissions"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "customers.customer.promote");
    }

    [Fact]
    public async Task A_switched_off_endpoint_does_not_exist()
    {
        var response = await _client.PostAsJsonAsync("/api/credit/changes", new { note = "x" });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
