using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Customers;

/// <summary>The Customers plugin's endpoints, through the real host on a real database.</summary>
public sealed class CustomerApiTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _client = _host.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task A_customer_is_created_read_changed_and_deleted()
    {
        var created = await _client.PostAsJsonAsync(Url, new { name = " 上海华信贸易 ", industry = "Trading", size = "Medium", region = "East", tier = "Key" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var customer = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = customer["id"]!.GetValue<Guid>();
        Assert.Equal("上海华信贸易", customer["name"]!.GetValue<string>());
        Assert.EndsWith($"customers/{id}", created.Headers.Location!.ToString());

        var read = await _client.GetFromJsonAsync<JsonObject>($"{Url}/{id}");
        Assert.Equal("Medium", read!["size"]!.GetValue<string>());
        Assert.Equal("Key", read["tier"]!.GetValue<string>());

        var updated = await _client.PutAsJsonAsync($"{Url}/{id}", new { name = "华信贸易集团", region = "North" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var afterUpdate = await _client.GetFromJsonAsync<JsonObject>($"{Url}/{id}");
        Assert.Equal("华信贸易集团", afterUpdate!["name"]!.GetValue<string>());
        Assert.Equal("North", afterUpdate["region"]!.GetValue<string>());
        Assert.Equal("Standard", afterUpdate["tier"]!.GetValue<string>());
        Assert.True(afterUpdate["updatedAtUtc"]!.GetValue<DateTime>() >= afterUpdate["createdAtUtc"]!.GetValue<DateTime>());

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"{Url}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"{Url}/{id}")).StatusCode);
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task The_list_is_sorted_by_name_filtered_and_paged_with_the_total()
    {
        foreach (var (name, region) in new[] { ("Delta", "East"), ("Alpha", "East"), ("Charlie", "West"), ("Bravo", "East") })
            (await _client.PostAsJsonAsync(Url, new { name, region })).EnsureSuccessStatusCode();

        var all = await _client.GetFromJsonAsync<JsonObject>(Url);
        Assert.Equal(["Alpha", "Bravo", "Charlie", "Delta"], Names(all!));
        Assert.Equal(4, all!["total"]!.GetValue<int>());

        var east = await _client.GetFromJsonAsync<JsonObject>($"{Url}?region=East&offset=1&limit=1");
        Assert.Equal(["Bravo"], Names(east!));
        Assert.Equal(3, east!["total"]!.GetValue<int>());

        var search = await _client.GetFromJsonAsync<JsonObject>($"{Url}?search=har");
        Assert.Equal(["Charlie"], Names(search!));
    }

    [Fact]
    public async Task A_customer_without_a_name_is_refused_with_a_validation_problem()
    {
        var response = await _client.PostAsJsonAsync(Url, new { name = "  ", region = new string('x', 101) });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("is required", problem["errors"]!["name"]![0]!.GetValue<string>());
        Assert.Equal("must be at most 100 characters", problem["errors"]!["region"]![0]!.GetValue<string>());
        Assert.Equal(0L, await _db.CountAsync("customers_customer"));
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
    [InlineData("{ \"name\": \"Acme\", ")]
    [InlineData("{ \"name\": \"Acme\", \"size\": \"Gigantic\" }")]
    [InlineData("{ \"name\": 42 }")]
    public async Task An_unreadable_body_is_a_400_problem_saying_what_could_not_be_read(string body)
    {
        var response = await _client.PostAsync(Url, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        Assert.Contains("JSON", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_customer_is_a_404_problem_for_read_update_and_delete()
    {
        var id = Guid.NewGuid();
        foreach (var response in new[]
                 {
                     await _client.GetAsync($"{Url}/{id}"),
                     await _client.PutAsJsonAsync($"{Url}/{id}", new { name = "x" }),
                     await _client.DeleteAsync($"{Url}/{id}"),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal($"There is no customer with id {id}.", problem["detail"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("offset=-1", "offset")]
    public async Task Paging_outside_its_bounds_is_a_400_problem(string query, string field)
    {
        var response = await _client.GetAsync($"{Url}?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
    }

    private static string[] Names(JsonObject page) =>
        page["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToArray();
}
