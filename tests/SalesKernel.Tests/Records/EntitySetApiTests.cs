using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>The generic endpoints of an entity set, through the Customers plugin, on the real host and database.</summary>
public sealed class EntitySetApiTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Url = "/api/customers/customers";

    [Fact]
    public async Task A_customer_is_created_read_patched_and_deleted_with_its_version_as_ETag()
    {
        var created = await _client.PostAsJsonAsync(Url, new { name = " 上海华信贸易 ", industry = "Trading", size = "Medium", region = "East", tier = "Key" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);
        var customer = await created.ObjectAsync();
        var id = customer["id"]!.GetValue<Guid>();
        Assert.Equal(" 上海华信贸易 ", customer["name"]!.GetValue<string>());
        Assert.Equal(1, customer["version"]!.GetValue<long>());
        Assert.EndsWith($"{Url}/{id}", created.Headers.Location!.ToString());
        Assert.EndsWith("Z", customer["createdAt"]!.GetValue<string>());

        var read = await _client.GetAsync($"{Url}/{id}");
        Assert.Equal("\"1\"", read.Headers.ETag!.Tag);
        Assert.Equal("Medium", (await read.ObjectAsync())["size"]!.GetValue<string>());

        var patched = await _client.PatchAsync($"{Url}/{id}", new { region = "North", industry = (string?)null }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("\"2\"", patched.Headers.ETag!.Tag);
        var after = await patched.ObjectAsync();
        Assert.Equal("North", after["region"]!.GetValue<string>());
        Assert.Null(after["industry"]);
        Assert.Equal("Key", after["tier"]!.GetValue<string>()); // untouched fields stay

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"{Url}/{id}");
        delete.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(delete)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Url}/{id}")).StatusCode);
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task A_patch_with_a_stale_version_is_refused_with_412_and_changes_nothing()
    {
        var id = (await _client.CreateAsync(Url, new { name = "Acme" }))["id"]!.GetValue<Guid>();
        (await _client.PatchAsync($"{Url}/{id}", new { region = "East" }, ifMatch: "\"1\"")).EnsureSuccessStatusCode();

        var stale = await _client.PatchAsync($"{Url}/{id}", new { region = "West" }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("you had version 1, it is now at version 2", (await stale.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal("East", (await _client.GetObjectAsync($"{Url}/{id}"))["region"]!.GetValue<string>());

        var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"{Url}/{id}");
        staleDelete.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _client.SendAsync(staleDelete)).StatusCode);
        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task Invalid_fields_are_a_400_problem_naming_each_field_and_nothing_is_written()
    {
        var response = await _client.PostAsJsonAsync(Url, new { region = 5, tier = "Gold", color = "red", version = 7, size = "Large" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await response.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal("must be a string", errors["region"]![0]!.GetValue<string>());
        Assert.Equal("must be one of: Strategic, Key, Standard, Basic", errors["tier"]![0]!.GetValue<string>());
        Assert.Equal("is not a field of this entity set", errors["color"]![0]!.GetValue<string>());
        Assert.Equal("is read-only", errors["version"]![0]!.GetValue<string>());

        // one answer, complete: what could not be read and what the rules refuse, together
        Assert.Equal("is required", errors["name"]![0]!.GetValue<string>());

        var missing = await _client.PostAsJsonAsync(Url, new { name = "  ", region = new string('x', 101) });
        var missingErrors = (await missing.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal("is required", missingErrors["name"]![0]!.GetValue<string>());
        Assert.Equal("must be at most 100 characters", missingErrors["region"]![0]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
        Assert.Equal(0L, await _db.CountAsync("sk_audit"));
    }

    [Fact]
    public async Task A_name_of_200_Chinese_characters_fits_and_201_does_not()
    {
        var longest = string.Concat(Enumerable.Repeat("华信贸易", 50));
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync(Url, new { name = longest })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync(Url, new { name = longest + "司" })).StatusCode);
        Assert.Equal(longest, await _db.ScalarAsync("SELECT \"Name\" FROM customers_customer"));
    }

    [Theory]
    [InlineData("{ \"name\": \"Acme\", ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    public async Task An_unreadable_body_is_a_400_problem(string body, string expected)
    {
        var response = await _client.PostAsync(Url, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_malformed_body_is_explained_once()
    {
        var response = await _client.PostAsync(Url, new StringContent("{ \"name\": \"Acme\", ", Encoding.UTF8, "application/json"));
        var detail = (await response.ObjectAsync())["detail"]!.GetValue<string>();
        var reason = detail[(detail.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        Assert.False(reason.Length < 10 || detail.IndexOf(reason, StringComparison.Ordinal) != detail.LastIndexOf(reason, StringComparison.Ordinal), detail);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(detail, "LineNumber"));
    }

    [Fact]
    public async Task A_read_with_the_current_ETag_in_If_None_Match_is_a_304_without_a_body()
    {
        var id = (await _client.CreateAsync(Url, new { name = "Cached Co" }))["id"]!.GetValue<Guid>();
        async Task<HttpResponseMessage> GetAsync(string? ifNoneMatch)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"{Url}/{id}");
            if (ifNoneMatch is not null) request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            return await _client.SendAsync(request);
        }
        foreach (var current in new[] { "\"1\"", "W/\"1\"", "\"7\", \"1\"", "*" })
        {
            var notModified = await GetAsync(current);
            Assert.True(HttpStatusCode.NotModified == notModified.StatusCode, $"If-None-Match: {current} answered {(int)notModified.StatusCode}");
            Assert.Equal("\"1\"", notModified.Headers.ETag!.Tag);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("\"0\"")).StatusCode);
        (await _client.PatchAsync($"{Url}/{id}", new { region = "West" })).EnsureSuccessStatusCode();
        var changed = await GetAsync("\"1\"");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode); // changed since: the new version, in full
        Assert.Equal("West", (await changed.ObjectAsync())["region"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Url}/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_record_is_a_404_problem_for_read_update_and_delete()
    {
        var id = Guid.NewGuid();
        foreach (var response in new[]
                 {
                     await _client.GetAsync($"{Url}/{id}"),
                     await _client.PatchAsync($"{Url}/{id}", new { name = "x" }),
                     await _client.DeleteAsync($"{Url}/{id}"),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal($"There is no customers.customers record with id {id}.", (await response.ObjectAsync())["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_client_supplied_id_is_kept_and_a_duplicate_id_is_a_409()
    {
        var id = Guid.NewGuid();
        Assert.Equal(id, (await _client.CreateAsync(Url, new { id, name = "Acme" }))["id"]!.GetValue<Guid>());
        var duplicate = await _client.PostAsJsonAsync(Url, new { id, name = "Other" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PatchAsync($"{Url}/{id}", new { id = Guid.NewGuid() })).StatusCode);
    }

    [Fact]
    public async Task A_bulk_create_writes_all_records_or_none()
    {
        var bad = await _client.PostAsJsonAsync($"{Url}/bulk", new object[] { new { name = "One" }, new { name = "Two", tier = "Gold" }, new { region = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ObjectAsync())["errors"]!["items[1].tier"]);
        var missingName = await _client.PostAsJsonAsync($"{Url}/bulk", new object[] { new { name = "One" }, new { region = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, missingName.StatusCode);
        Assert.NotNull((await missingName.ObjectAsync())["errors"]!["items[1].name"]);
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));

        var good = await _client.PostAsJsonAsync($"{Url}/bulk", Enumerable.Range(1, 25).Select(i => new { name = $"Customer {i:00}" }));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        Assert.Equal(25, (await good.ObjectAsync())["created"]!.GetValue<int>());
        Assert.Equal(25L, await _db.CountAsync("customers_customer"));
        Assert.Equal(25L, await _db.CountAsync("sk_audit"));
    }

    [Fact]
    public async Task A_plugin_endpoint_writes_through_the_same_pipeline()
    {
        var customer = await _client.CreateAsync(Url, new { name = "Acme", tier = "Key" });
        var id = customer["id"]!.GetValue<Guid>();

        var promoted = await _client.PostAsync($"{Url}/{id}/promote", null);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var record = await _client.GetObjectAsync($"{Url}/{id}");
        Assert.Equal("Strategic", record["tier"]!.GetValue<string>());
        Assert.Equal(2, record["version"]!.GetValue<long>());
        Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_audit WHERE \"Operation\" = 'Update'")));

        var again = await _client.PostAsync($"{Url}/{id}/promote", null);
        Assert.Equal((HttpStatusCode)422, again.StatusCode);
        Assert.Equal("customers.already-top-tier", (await again.ObjectAsync())["rule"]!.GetValue<string>());
    }

    [Fact]
    public async Task Null_for_a_field_that_cannot_be_empty_is_refused_not_defaulted()
    {
        var response = await _client.PostAsJsonAsync(Url, new { name = "Acme", tier = (string?)null });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("cannot be empty", (await response.ObjectAsync())["errors"]!["tier"]![0]!.GetValue<string>());
        var filter = await _client.GetAsync($"{Url}?filter={Uri.EscapeDataString("tier eq null")}");
        Assert.Equal(HttpStatusCode.BadRequest, filter.StatusCode);
    }

    [Fact]
    public async Task A_bulk_create_repeating_an_id_is_refused()
    {
        var id = Guid.NewGuid();
        var response = await _client.PostAsJsonAsync($"{Url}/bulk", new object[] { new { id, name = "One" }, new { id, name = "Two" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("repeats the id of items[0]", (await response.ObjectAsync())["errors"]!["items[1].id"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_patch_that_changes_nothing_writes_nothing()
    {
        var id = (await _client.CreateAsync(Url, new { name = "Acme", region = "East" }))["id"]!.GetValue<Guid>();
        var same = await _client.PatchAsync($"{Url}/{id}", new { region = "East" });
        Assert.Equal(1, (await same.ObjectAsync())["version"]!.GetValue<long>());
        Assert.Equal(1L, await _db.CountAsync("sk_audit"));
    }

    [Fact]
    public async Task A_patch_and_a_bulk_create_answer_every_field_error_at_once()
    {
        var id = (await _client.CreateAsync(Url, new { name = "Whole Co" }))["id"]!.GetValue<Guid>();
        var patch = await _client.PatchAsync($"{Url}/{id}", new { tier = "Gold", name = "", region = new string('x', 101) });
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        var errors = (await patch.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["name", "region", "tier"], errors.Select(e => e.Key).Order());
        // a body whose only fields cannot be read is refused, not taken for "no change"
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PatchAsync($"{Url}/{id}", new { tier = "Gold" })).StatusCode);
        Assert.Equal(1L, (await _client.GetObjectAsync($"{Url}/{id}"))["version"]!.GetValue<long>());

        var bulk = await _client.PostAsJsonAsync($"{Url}/bulk", new object[] { new { name = "Fine" }, new { tier = "Gold" }, new { name = "Also fine" }, new { region = "x" } });
        Assert.Equal(HttpStatusCode.BadRequest, bulk.StatusCode);
        var bulkErrors = (await bulk.ObjectAsync())["errors"]!.AsObject();
        Assert.Equal(["items[1].name", "items[1].tier", "items[3].name"], bulkErrors.Select(e => e.Key).Order());
        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
    }
}
