using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// Documents with lines, as a quotes plugin uses them (the Quoting test plugin): the header and its lines
/// written as one audited write with one version, totals computed on the server in the quote's currency,
/// lines checked one by one and together, and every error in one 400.
/// </summary>
public sealed class DocumentTests() : TenantHostTest(PluginFolder.Quoting)
{
    private const string Quotes = "/api/quoting/quotes";

    private static object Line(string sku, decimal quantity, decimal unitPrice, decimal discountPercent = 0) =>
        new { sku, quantity, unitPrice, discountPercent };

    [Fact]
    public async Task A_quote_and_its_lines_are_one_write_with_totals_computed_on_the_server()
    {
        var quote = await _client.CreateAsync(Quotes, new
        {
            customer = "Acme Trading",
            taxRate = 13m,
            lines = new[] { Line("A-100", 3, 19.99m), Line("B-200", 2.5m, 100m, 10), Line("C-300", 0.125m, 1m) },
        });
        Assert.Equal(1, quote["version"]!.GetValue<long>());
        Assert.Equal("CNY", quote["currency"]!.GetValue<string>()); // the tenant's default currency
        Assert.StartsWith("Q-", quote["number"]!.GetValue<string>());
        var lines = quote["lines"]!.AsArray();
        Assert.Equal([1, 2, 3], lines.Select(l => l!["lineNumber"]!.GetValue<int>()));
        // each line rounded to the fen, half away from zero, then summed: 59.97 + 225.00 + 0.13
        Assert.Equal([59.97m, 225.00m, 0.13m], lines.Select(l => l!["amount"]!.GetValue<decimal>()));
        Assert.Equal(285.10m, quote["subtotal"]!.GetValue<decimal>());
        Assert.Equal(37.06m, quote["tax"]!.GetValue<decimal>()); // 37.063
        Assert.Equal(322.16m, quote["total"]!.GetValue<decimal>());

        var id = quote["id"]!.GetValue<Guid>();
        var read = await _client.GetObjectAsync($"{Quotes}/{id}");
        Assert.Equal(3, read["lines"]!.AsArray().Count);
        var audit = (await _client.GetObjectAsync($"/api/audit?recordId={id}"))["items"]!.AsArray();
        var created = Assert.Single(audit)!;
        Assert.Contains(created["changes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "lines" && c["after"]!.AsArray().Count == 3);
    }

    [Fact]
    public async Task Sending_lines_replaces_them_all_in_one_version_and_the_audit_shows_before_and_after()
    {
        var quote = await _client.CreateAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 1, 10m), Line("B", 1, 20m) } });
        var id = quote["id"]!.GetValue<Guid>();

        var replaced = await _client.PatchAsync($"{Quotes}/{id}", new { lines = new[] { Line("C", 4, 5m) } }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var body = await replaced.ObjectAsync();
        Assert.Equal(2, body["version"]!.GetValue<long>());
        Assert.Equal("C", Assert.Single(body["lines"]!.AsArray())!["sku"]!.GetValue<string>());
        Assert.Equal(20m, body["total"]!.GetValue<decimal>());

        // a stale version is refused and changes nothing
        var stale = await _client.PatchAsync($"{Quotes}/{id}", new { lines = new[] { Line("D", 1, 1m) } }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

        // a header change without lines keeps them, and recomputes from them
        var taxed = await (await _client.PatchAsync($"{Quotes}/{id}", new { taxRate = 10m })).ObjectAsync();
        Assert.Equal("C", Assert.Single(taxed["lines"]!.AsArray())!["sku"]!.GetValue<string>());
        Assert.Equal(22m, taxed["total"]!.GetValue<decimal>());
        Assert.Equal(3, taxed["version"]!.GetValue<long>());

        var audit = (await _client.GetObjectAsync($"/api/audit?recordId={id}"))["items"]!.AsArray();
        var update = audit.First(a => a!["operation"]!.GetValue<string>() == "Update" && a["changes"]!.AsArray().Any(c => c!["field"]!.GetValue<string>() == "lines"))!;
        var change = update["changes"]!.AsArray().First(c => c!["field"]!.GetValue<string>() == "lines")!;
        Assert.Equal(["A", "B"], change["before"]!.AsArray().Select(l => l!["sku"]!.GetValue<string>()));
        Assert.Equal(["C"], change["after"]!.AsArray().Select(l => l!["sku"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"{Quotes}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Quotes}/{id}")).StatusCode);
        // the lines went with it through the pipeline, in the delete's audit row, not by a database cascade
        Assert.Equal(0L, await _db.CountAsync("quoting_quoteline"));
        var deleted = (await _client.GetObjectAsync($"/api/audit?recordId={id}"))["items"]!.AsArray().First(a => a!["operation"]!.GetValue<string>() == "Delete")!;
        Assert.Equal(["C"], deleted["changes"]!.AsArray().First(c => c!["field"]!.GetValue<string>() == "lines")!["before"]!.AsArray().Select(l => l!["sku"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Every_error_of_the_header_and_its_lines_comes_back_in_one_400_and_nothing_is_written()
    {
        var answer = await _client.PostAsJsonAsync(Quotes, new
        {
            customer = "",
            currency = "ABC",
            lines = new object[]
            {
                Line("A", 0, 10m),                          // quantity below its range
                new { sku = "", quantity = "two" },         // required, not a number
                Line("A", 1, -5m),                          // negative price, repeated SKU
                new { sku = "D", quantity = 1, unitPrice = 1m, amount = 99m }, // amount is the server's
            },
        });
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var errors = (await answer.ObjectAsync())["errors"]!.AsObject();
        foreach (var field in new[] { "customer", "currency", "lines[0].quantity", "lines[1].sku", "lines[1].quantity", "lines[2].unitPrice", "lines[3].amount" })
            Assert.True(errors.ContainsKey(field), $"{field} missing from {errors.ToJsonString()}");
        Assert.Equal(0, (await _client.GetObjectAsync($"{Quotes}?count=true"))["total"]!.GetValue<int>());

        // lines checked together (a validator of the plugin), and the kernel's limits on them
        var together = await _client.PostAsJsonAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 1, 1m), Line("a", 2, 1m) } });
        Assert.Contains("lines", (await together.ObjectAsync())["errors"]!.AsObject().Select(e => e.Key));
        var none = await _client.PostAsJsonAsync(Quotes, new { customer = "Acme", lines = Array.Empty<object>() });
        Assert.Equal("must hold at least one line", (await none.ObjectAsync())["errors"]!["lines"]![0]!.GetValue<string>());
        var many = await _client.PostAsJsonAsync(Quotes, new { customer = "Acme", lines = Enumerable.Range(0, 51).Select(i => Line($"S{i}", 1, 1m)) });
        Assert.StartsWith("must hold at most 50 lines", (await many.ObjectAsync())["errors"]!["lines"]![0]!.GetValue<string>());
        var notArray = await _client.PostAsJsonAsync(Quotes, new { customer = "Acme", lines = "A" });
        Assert.Equal(HttpStatusCode.BadRequest, notArray.StatusCode);
    }

    [Fact]
    public async Task Money_keeps_to_its_currency()
    {
        // a yen has no minor unit: a price of 0.5 JPY is refused; in CNY it is fine
        var yen = await _client.PostAsJsonAsync(Quotes, new { customer = "Tokyo", currency = "JPY", lines = new[] { Line("A", 1, 0.5m) } });
        Assert.Equal(HttpStatusCode.BadRequest, yen.StatusCode);
        Assert.Equal("must have at most 0 decimal places in JPY", (await yen.ObjectAsync())["errors"]!["lines[0].unitPrice"]![0]!.GetValue<string>());
        var yuan = await _client.CreateAsync(Quotes, new { customer = "Shanghai", lines = new[] { Line("A", 1, 0.5m) } });
        var fils = await _client.PostAsJsonAsync(Quotes, new { customer = "Kuwait", currency = "KWD", lines = new[] { Line("A", 1, 0.125m) } });
        Assert.Equal(HttpStatusCode.Created, fils.StatusCode); // three digits in dinars

        // changing the currency re-checks the amounts in the new one
        var id = yuan["id"]!.GetValue<Guid>();
        var toYen = await _client.PatchAsync($"{Quotes}/{id}", new { currency = "JPY" });
        Assert.Equal(HttpStatusCode.BadRequest, toYen.StatusCode);

        // a tenant that works in dollars gets dollars by default
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync("/api/tenant/settings", new { currency = "USD" })).StatusCode);
        var dollars = await _client.CreateAsync(Quotes, new { customer = "Boston", lines = new[] { Line("A", 2, 9.99m) } });
        Assert.Equal("USD", dollars["currency"]!.GetValue<string>());
        Assert.Equal(19.98m, dollars["total"]!.GetValue<decimal>());

        // filters compare amounts exactly
        var page = await _client.GetObjectAsync($"{Quotes}?filter=total gte 19.98 and currency eq 'USD'");
        Assert.Single(page["items"]!.AsArray());
    }

    [Fact]
    public async Task The_metadata_describes_the_lines_and_the_money()
    {
        var meta = await _client.GetObjectAsync("/api/meta");
        var quotes = meta["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "quoting.quotes")!;
        var lines = quotes["lines"]!;
        Assert.Equal("lines", lines["name"]!.GetValue<string>());
        Assert.Equal(50, lines["maxLines"]!.GetValue<int>());
        Assert.True(lines["atLeastOne"]!.GetValue<bool>());
        var price = lines["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == "unitPrice")!;
        Assert.Equal("Money", price["type"]!.GetValue<string>());
        Assert.Equal("currency", price["currencyField"]!.GetValue<string>());
        var total = quotes["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == "total")!;
        Assert.True(total["readOnly"]!.GetValue<bool>());
        var currency = quotes["fields"]!.AsArray().First(f => f!["name"]!.GetValue<string>() == "currency")!;
        Assert.Equal("Currency", currency["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task Plugin_code_adds_a_line_through_the_store_and_the_kernel_numbers_and_checks_it()
    {
        var quote = await _client.CreateAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 1, 10m) } });
        var id = quote["id"]!.GetValue<Guid>();
        var added = await (await _client.PostAsJsonAsync($"{Quotes}/{id}/add-line", new { sku = "B", quantity = 2, unitPrice = 5m })).ObjectAsync();
        Assert.Equal(20m, added["total"]!.GetValue<decimal>());
        var read = await _client.GetObjectAsync($"{Quotes}/{id}");
        Assert.Equal([1, 2], read["lines"]!.AsArray().Select(l => l!["lineNumber"]!.GetValue<int>()));
        Assert.Equal(2, read["version"]!.GetValue<long>());
        // the same checks as a client's: a repeated SKU is refused by the plugin's validator
        var repeated = await _client.PostAsJsonAsync($"{Quotes}/{id}/add-line", new { sku = "a", quantity = 1, unitPrice = 1m });
        Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
        Assert.Equal(2, (await _client.GetObjectAsync($"{Quotes}/{id}"))["lines"]!.AsArray().Count);
    }

    [Fact]
    public async Task Lines_keep_their_order_through_later_writes_and_a_new_currency_checks_them_all()
    {
        var quote = await _client.CreateAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 2, 12.50m), Line("B", 1, 1m), Line("C", 1, 1m) } });
        var id = quote["id"]!.GetValue<Guid>();
        // only the first line's row is rewritten (on PostgreSQL it moves to the end of the table) …
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"{Quotes}/{id}/lines/1/quantity/4", null)).StatusCode);
        // … and a later write that loads the lines keeps them as numbered
        await _client.PatchAsync($"{Quotes}/{id}", new { taxRate = 5m });
        var read = await _client.GetObjectAsync($"{Quotes}/{id}");
        Assert.Equal(["A", "B", "C"], read["lines"]!.AsArray().Select(l => l!["sku"]!.GetValue<string>()));
        Assert.Equal(4m, read["lines"]![0]!["quantity"]!.GetValue<decimal>());

        // 4 × 12.50 is 50 in any currency, but 12.50 is no price in yen: the unchanged line is checked too
        var yen = await _client.PatchAsync($"{Quotes}/{id}", new { currency = "JPY" });
        Assert.Equal(HttpStatusCode.BadRequest, yen.StatusCode);
        Assert.True((await yen.ObjectAsync())["errors"]!.AsObject().ContainsKey("lines[0].unitPrice"));
    }

    [Fact]
    public async Task Totals_too_large_to_work_out_are_a_400_not_a_500()
    {
        var answer = await _client.PostAsJsonAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 1_000_000, 99_999_999_999_999_999_999_999m) } });
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.StartsWith("the values are too large", (await answer.ObjectAsync())["errors"]!["lines"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Each_tenant_sees_only_its_own_lines()
    {
        var quote = await _client.CreateAsync(Quotes, new { customer = "Acme", lines = new[] { Line("A", 1, 1m) } });
        using var globex = await _host.TenantClientAsync("globex");
        Assert.Equal(HttpStatusCode.NotFound, (await globex.GetAsync($"{Quotes}/{quote["id"]}")).StatusCode);
        var own = await globex.CreateAsync(Quotes, new { customer = "Globex", lines = new[] { Line("G", 1, 1m) } });
        Assert.Equal("G", Assert.Single(own["lines"]!.AsArray())!["sku"]!.GetValue<string>());
    }
}
