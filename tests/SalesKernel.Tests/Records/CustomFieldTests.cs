using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>Fields an administrator adds at run time: defined, written, validated, filtered and sorted with no restart.</summary>
public sealed class CustomFieldTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Url = "/api/customers/customers";
    private const string Fields = "/api/custom-fields";

    private Task<JsonObject> DefineAsync(object definition) => _client.CreateAsync(Fields, definition);

    [Fact]
    public async Task Custom_amounts_are_filtered_and_sorted_as_exact_decimals()
    {
        await DefineAsync(new { entity = "customers.customers", name = "cf_deposit", type = "Money", displayName = new { en = "Deposit", zhHans = "押金" } });
        foreach (var (name, deposit) in new[] { ("Ten fen", 0.10m), ("Twenty fen", 0.20m), ("Thirty fen", 0.30m), ("Big", 1234567890123456.78m) })
            await _client.CreateAsync(Url, new { name, cf_deposit = deposit });
        // 0.1 + 0.2 is not 0.3 in double; here 0.3 is 0.3
        Assert.Equal(["Thirty fen"], (await _client.GetObjectAsync($"{Url}?filter=cf_deposit eq 0.3")).Names());
        Assert.Equal(["Twenty fen", "Thirty fen"], (await _client.GetObjectAsync($"{Url}?filter=cf_deposit gte 0.2 and cf_deposit lt 1&sort=cf_deposit")).Names());
        Assert.Equal(["Big", "Thirty fen"], (await _client.GetObjectAsync($"{Url}?filter=cf_deposit gt 0.2&sort=-cf_deposit")).Names());
        Assert.Equal(1234567890123456.78m, (await _client.GetObjectAsync($"{Url}?filter=cf_deposit gt 1000"))["items"]![0]!["cf_deposit"]!.GetValue<decimal>());
        // 18 significant digits: a double could not tell these apart
        Assert.Equal(["Big"], (await _client.GetObjectAsync($"{Url}?filter=cf_deposit eq 1234567890123456.78")).Names());
        Assert.Empty((await _client.GetObjectAsync($"{Url}?filter=cf_deposit eq 1234567890123456.77"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_custom_field_added_at_run_time_is_written_filtered_and_sorted_without_a_restart()
    {
        var before = await _client.CreateAsync(Url, new { name = "Existing" });

        await DefineAsync(new { entity = "customers.customers", name = "cf_wechat", type = "Text", displayName = new { en = "WeChat", zhHans = "微信" }, maxLength = 20 });
        await DefineAsync(new { entity = "customers.customers", name = "cf_score", type = "Integer", displayName = new { en = "Score" }, minimum = 0, maximum = 100 });
        await DefineAsync(new { entity = "customers.customers", name = "cf_segment", type = "Choice", displayName = new { en = "Segment" }, choices = new[] { "SMB", "Mid", "Large" } });
        await DefineAsync(new { entity = "customers.customers", name = "cf_since", type = "Date", displayName = new { en = "Customer since" } });
        await DefineAsync(new { entity = "customers.customers", name = "cf_vip", type = "Boolean", displayName = new { en = "VIP" } });

        await _client.CreateAsync(Url, new { name = "A", cf_wechat = "a_wx", cf_score = 90, cf_segment = "Large", cf_since = "2020-05-01", cf_vip = true });
        await _client.CreateAsync(Url, new { name = "B", cf_score = 40, cf_segment = "SMB", cf_since = "2023-01-15", cf_vip = false });
        await _client.CreateAsync(Url, new { name = "C", cf_score = 75, cf_segment = "Mid" });
        (await _client.PatchAsync($"{Url}/{before["id"]}", new { cf_score = 5 })).EnsureSuccessStatusCode();

        Assert.Equal(["A", "C"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_score gte 50")}&sort=name")).Names());
        Assert.Equal(["A", "C", "B", "Existing"], (await _client.GetObjectAsync($"{Url}?sort=-cf_score")).Names());
        Assert.Equal(["B"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_since gt '2021-01-01'")}")).Names());
        Assert.Equal(["A"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_vip eq true")}")).Names());
        Assert.Equal(["B", "C"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_segment in ('SMB', 'Mid')")}&sort=name")).Names());
        Assert.Equal(["A"], (await _client.GetObjectAsync($"{Url}?search=A_WX")).Names());

        var a = (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("name eq 'A'")}"))["items"]![0]!;
        Assert.Equal("a_wx", a["cf_wechat"]!.GetValue<string>());
        Assert.Equal(90, a["cf_score"]!.GetValue<long>());
        Assert.Equal("2020-05-01", a["cf_since"]!.GetValue<string>());
        Assert.True(a["cf_vip"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Multiple_choice_money_and_reference_fields_hold_and_filter_their_values()
    {
        await DefineAsync(new { entity = "customers.customers", name = "cf_channels", type = "MultiChoice", displayName = new { en = "Channels" }, choices = new[] { "Web", "Phone", "Store" } });
        await DefineAsync(new { entity = "customers.customers", name = "cf_budget", type = "Money", displayName = new { en = "Budget" } });
        await DefineAsync(new { entity = "customers.customers", name = "cf_parent", type = "Reference", displayName = new { en = "Parent" }, referenceTo = "customers.customers" });

        var parent = await _client.CreateAsync(Url, new { name = "Group", cf_channels = new[] { "Web", "Store" }, cf_budget = 1234.56m });
        await _client.CreateAsync(Url, new { name = "Branch", cf_channels = new[] { "Phone" }, cf_budget = 99.5m, cf_parent = parent["id"] });

        Assert.Equal(["Group"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_channels contains 'Store'")}")).Names());
        Assert.Equal(["Branch"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString($"cf_parent eq '{parent["id"]}'")}")).Names());
        Assert.Equal(["Branch"], (await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("cf_budget lt 100")}")).Names());
        var group = await _client.GetObjectAsync($"{Url}/{parent["id"]}");
        Assert.Equal(["Web", "Store"], group["cf_channels"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(1234.56m, group["cf_budget"]!.GetValue<decimal>());

        var wrong = await _client.PostAsJsonAsync(Url, new { name = "X", cf_channels = new[] { "Fax" } });
        Assert.Equal("must be a list of: Web, Phone, Store", (await wrong.ObjectAsync())["errors"]!["cf_channels"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Custom_field_values_are_validated_like_any_field()
    {
        await DefineAsync(new { entity = "customers.customers", name = "cf_score", type = "Integer", displayName = new { en = "Score" }, minimum = 0, maximum = 100, required = true });
        await DefineAsync(new { entity = "customers.customers", name = "cf_segment", type = "Choice", displayName = new { en = "Segment" }, choices = new[] { "SMB", "Mid" } });

        var response = await _client.PostAsJsonAsync(Url, new { name = "X", cf_segment = "Huge" });
        var errors = (await response.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal("must be one of: SMB, Mid", errors["cf_segment"]![0]!.GetValue<string>());

        var missing = await _client.PostAsJsonAsync(Url, new { name = "X", cf_segment = "SMB" });
        Assert.Equal("is required", (await missing.ObjectAsync())["errors"]!["cf_score"]![0]!.GetValue<string>());
        var tooHigh = await _client.PostAsJsonAsync(Url, new { name = "X", cf_score = 101 });
        Assert.Equal("must be at most 100", (await tooHigh.ObjectAsync())["errors"]!["cf_score"]![0]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task A_removed_custom_field_disappears_but_its_values_come_back_when_it_is_added_again()
    {
        var field = await DefineAsync(new { entity = "customers.customers", name = "cf_code", type = "Text", displayName = new { en = "Code" } });
        var id = (await _client.CreateAsync(Url, new { name = "A", cf_code = "X-1" }))["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"{Fields}/{field["id"]}")).StatusCode);
        Assert.False((await _client.GetObjectAsync($"{Url}/{id}")).ContainsKey("cf_code"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"{Url}?filter={Uri.EscapeDataString("cf_code eq 'X-1'")}")).StatusCode);

        await DefineAsync(new { entity = "customers.customers", name = "cf_code", type = "Text", displayName = new { en = "Code" } });
        Assert.Equal("X-1", (await _client.GetObjectAsync($"{Url}/{id}"))["cf_code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{ "entity": "nope.nope", "name": "cf_x", "type": "Text", "displayName": { "en": "X" } }""", "entity")]
    [InlineData("""{ "entity": "customers.customers", "name": "wechat", "type": "Text", "displayName": { "en": "X" } }""", "name")]
    [InlineData("""{ "entity": "customers.customers", "name": "cf_x", "type": "Colour", "displayName": { "en": "X" } }""", "type")]
    [InlineData("""{ "entity": "customers.customers", "name": "cf_x", "type": "Choice", "displayName": { "en": "X" } }""", "choices")]
    [InlineData("""{ "entity": "customers.customers", "name": "cf_x", "type": "Text" }""", "displayName.en")]
    [InlineData("""{ "entity": "customers.customers", "name": "cf_x", "type": "Reference", "displayName": { "en": "X" }, "referenceTo": "nope.nope" }""", "referenceTo")]
    public async Task A_bad_definition_is_a_400_problem_naming_the_field(string json, string field)
    {
        var response = await _client.PostAsync(Fields, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ObjectAsync())["errors"]![field]);
    }

    [Fact]
    public async Task A_removed_field_can_only_come_back_with_its_old_type()
    {
        var field = await DefineAsync(new { entity = "customers.customers", name = "cf_code", type = "Text", displayName = new { en = "Code" } });
        await _client.CreateAsync(Url, new { name = "A", cf_code = "abc" });
        (await _client.DeleteAsync($"{Fields}/{field["id"]}")).EnsureSuccessStatusCode();

        var asNumber = await _client.PostAsJsonAsync(Fields, new { entity = "customers.customers", name = "cf_code", type = "Integer", displayName = new { en = "Code" } });
        Assert.Equal(HttpStatusCode.Conflict, asNumber.StatusCode);
        Assert.Contains("was a Text field", (await asNumber.ObjectAsync())["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_field_of_the_same_name_is_a_409()
    {
        await DefineAsync(new { entity = "customers.customers", name = "cf_code", type = "Text", displayName = new { en = "Code" } });
        var again = await _client.PostAsJsonAsync(Fields, new { entity = "customers.customers", name = "cf_code", type = "Integer", displayName = new { en = "Code" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
