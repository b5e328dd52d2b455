using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// The write pipeline, through the Customers plugin and the Credit test plugin that extends it:
/// extension fields, validators and handlers from another plugin, rollback, depth guard, events.
/// </summary>
public sealed class PipelineTests() : TenantHostTest(PluginFolder.Customers, PluginFolder.Credit)
{
    private const string Url = "/api/customers/customers";

    [Fact]
    public async Task An_extension_field_is_returned_written_filtered_and_sorted_like_any_field()
    {
        await _client.CreateAsync(Url, new { name = "Low", creditLimit = 1000m });
        await _client.CreateAsync(Url, new { name = "High", creditLimit = 250000.50m, creditGrade = "AA" });
        await _client.CreateAsync(Url, new { name = "None" });

        var high = await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString("creditLimit gt 5000")}");
        Assert.Equal(["High"], high.Names());
        Assert.Equal(250000.50m, high["items"]![0]!["creditLimit"]!.GetValue<decimal>());
        Assert.Equal("AA", high["items"]![0]!["creditGrade"]!.GetValue<string>());

        var sorted = await _client.GetObjectAsync($"{Url}?sort=-creditLimit&fields=name,creditLimit");
        Assert.Equal(["High", "Low", "None"], sorted.Names());

        var id = high["items"]![0]!["id"]!.GetValue<Guid>();
        var patched = await _client.PatchAsync($"{Url}/{id}", new { creditLimit = 300000m });
        Assert.Equal(300000m, (await patched.ObjectAsync())["creditLimit"]!.GetValue<decimal>());
        Assert.Equal(300000m, Convert.ToDecimal(await _db.ScalarAsync("SELECT \"x_credit_creditLimit\" FROM customers_customer WHERE \"Name\" = 'High'")));
    }

    [Fact]
    public async Task Extension_field_bounds_and_another_plugins_validator_are_checked()
    {
        var response = await _client.PostAsJsonAsync(Url, new { name = "Bad <b>", creditLimit = -5m });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal("must be at least 0", errors["creditLimit"]![0]!.GetValue<string>());
        Assert.Equal("must not contain '<'", errors["name"]![0]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task A_rejecting_handler_leaves_no_row_and_no_audit_record()
    {
        var response = await _client.PostAsJsonAsync(Url, new { name = "Tiny", tier = "Basic", creditLimit = 500000m });
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var problem = await response.ObjectAsync();
        Assert.Equal("credit.limit-exceeds-tier", problem["rule"]!.GetValue<string>());
        Assert.Equal("A basic customer may have a credit limit of at most 100000, not 500000.", problem["detail"]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
        Assert.Equal(0L, await _db.CountAsync("sk_audit"));
        Assert.Equal(0L, await _db.CountAsync("sk_outbox"));
    }

    [Fact]
    public async Task A_handlers_nested_write_joins_the_transaction_and_is_rolled_back_with_it()
    {
        var customer = await _client.CreateAsync(Url, new { name = "Acme", creditLimit = 1000m });
        var changes = await _client.GetObjectAsync("/api/credit/changes");
        Assert.Equal("none -> 1000", changes["items"]![0]!["note"]!.GetValue<string>());
        Assert.Equal(2L, await _db.CountAsync("sk_audit")); // the customer and the credit change

        (await _client.PatchAsync($"{Url}/{customer["id"]}", new { creditLimit = 1500m })).EnsureSuccessStatusCode();
        var log = (await _client.GetObjectAsync("/api/credit/changes?sort=createdAt"))["items"]!.AsArray();
        Assert.Equal([1000m, 1500m], log.Select(c => c!["limit"]!.GetValue<decimal>()));
        Assert.StartsWith("1000", log[1]!["note"]!.GetValue<string>()); // the handler saw the value before the change

        var refused = await _client.PatchAsync($"{Url}/{customer["id"]}", new { creditLimit = 2000m, creditGrade = "refuse" });
        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Equal("credit.rating-refused", (await refused.ObjectAsync())["rule"]!.GetValue<string>());
        Assert.Equal(2L, await _db.CountAsync("credit_creditchange")); // the third log row went with the refusal
        Assert.Equal(4L, await _db.CountAsync("sk_audit"));
        Assert.Equal(1500m, (await _client.GetObjectAsync($"{Url}/{customer["id"]}"))["creditLimit"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Handlers_that_keep_triggering_each_other_are_stopped_by_the_depth_guard()
    {
        var customer = await _client.CreateAsync(Url, new { name = "Acme" });
        var looping = await _client.PatchAsync($"{Url}/{customer["id"]}", new { region = "loop" });
        Assert.Equal((HttpStatusCode)422, looping.StatusCode);
        var problem = await looping.ObjectAsync();
        Assert.Equal("kernel.max-depth", problem["rule"]!.GetValue<string>());
        var stored = await _client.GetObjectAsync($"{Url}/{customer["id"]}");
        Assert.Null(stored["region"]);
        Assert.Equal(1, stored["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task After_commit_the_event_reaches_the_async_handler_of_another_plugin()
    {
        var customer = await _client.CreateAsync(Url, new { name = "Acme", region = "East" });
        await _client.PostAsJsonAsync(Url, new { name = "Refused", tier = "Basic", creditLimit = 900000m }); // rolled back: no event

        JsonArray received = [];
        for (var i = 0; i < 50 && received.Count == 0; i++)
        {
            await Task.Delay(100);
            received = (await _client.GetFromJsonAsync<JsonArray>("/api/credit/received"))!;
        }
        var single = Assert.Single(received);
        Assert.Equal(customer["id"]!.GetValue<Guid>(), single!["recordId"]!.GetValue<Guid>());
        Assert.Equal("Create", single["operation"]!.GetValue<string>());
        Assert.Contains("\"region\"", single["changesJson"]!.GetValue<string>());
        Assert.NotNull(await _db.ScalarAsync("SELECT \"DispatchedAtUtc\" FROM sk_outbox"));
    }

    [Fact]
    public async Task A_nested_write_that_fails_and_is_caught_leaves_nothing_behind()
    {
        var created = await _client.PostAsJsonAsync(Url, new { name = "Tolerant Co", region = "tolerant" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        // the handler's first credit change was saved inside the failed nested write: rolled back to its savepoint
        Assert.Equal(0L, await _db.CountAsync("credit_creditchange"));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_audit WHERE \"EntitySet\" = 'credit.changes'")));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"EntitySet\" = 'credit.changes'")));
        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task What_a_pre_operation_handler_sets_is_validated_like_what_the_caller_sent()
    {
        var refused = await _client.PostAsJsonAsync(Url, new { name = "Graded Co", industry = "grade:" + new string('A', 30) });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("at most 10 characters", (await refused.ObjectAsync())["errors"]!["creditGrade"]![0]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
        var fine = await _client.CreateAsync(Url, new { name = "Graded Co", industry = "grade:AA" });
        Assert.Equal("AA", fine["creditGrade"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_store_shows_plugin_code_what_the_caller_may_read_unless_it_asks_for_the_tenant_by_name()
    {
        using var rep = await _host.AddUserAsync(_client, "rep@acme.test", "sales-rep");
        await rep.CreateAsync(Url, new { name = "Mine" });
        await _client.CreateAsync(Url, new { name = "Theirs 1" });
        await _client.CreateAsync(Url, new { name = "Theirs 2" });
        var counts = await rep.GetObjectAsync("/api/credit/customer-counts");
        Assert.Equal(1, counts["visible"]!.GetValue<int>());
        Assert.Equal(3, counts["tenant"]!.GetValue<int>());
        Assert.Equal(3, (await _client.GetObjectAsync("/api/credit/customer-counts"))["visible"]!.GetValue<int>());
    }
}
