using System.Net;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Queries;

/// <summary>Six customers on one host, shared by the read-only list tests.</summary>
public sealed class CustomerListFixture : IAsyncLifetime
{
    public const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        Client = await _host.TenantClientAsync();
        var rows = new (string Name, string? Region, string? Industry, string Tier, string? Size)[]
        {
            ("Alpha Trading", "East", "Trading", "Key", "Large"),
            ("Bravo Foods", "East", "Food", "Standard", null),
            ("Charlie Tech", "West", "Software", "Strategic", "Enterprise"),
            ("Delta Steel", "North", null, "Basic", "Medium"),
            ("Echo Retail", null, "Retail", "Standard", "Small"),
            ("alpha lower", "West", "Trading", "Basic", "Micro"),
        };
        foreach (var r in rows)
            await Client.CreateAsync(Url, new { name = r.Name, region = r.Region, industry = r.Industry, tier = r.Tier, size = r.Size });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }
}

/// <summary>List queries on customers: every operator, groups, sort, search, paging, fields, count — and the errors.</summary>
public sealed class ListQueryTests(CustomerListFixture fixture) : IClassFixture<CustomerListFixture>
{
    private const string Url = CustomerListFixture.Url;
    private readonly HttpClient _client = fixture.Client;

    private async Task<string[]> NamesAsync(string query) => (await _client.GetObjectAsync($"{Url}?{query}&sort=name")).Names();

    [Theory]
    [InlineData("region eq 'East'", new[] { "Alpha Trading", "Bravo Foods" })]
    [InlineData("region ne 'East'", new[] { "Charlie Tech", "Delta Steel", "Echo Retail", "alpha lower" })]
    [InlineData("region isnull", new[] { "Echo Retail" })]
    [InlineData("not region isnull and region ne 'West'", new[] { "Alpha Trading", "Bravo Foods", "Delta Steel" })]
    [InlineData("tier in ('Key', 'Strategic')", new[] { "Alpha Trading", "Charlie Tech" })]
    [InlineData("name contains 'LPHA'", new[] { "Alpha Trading", "alpha lower" })]
    [InlineData("name contains 'tAI'", new[] { "Echo Retail" })]
    [InlineData("name startswith 'alpha'", new[] { "Alpha Trading", "alpha lower" })]
    [InlineData("name gte 'D' and name lt 'E'", new[] { "Delta Steel" })]
    [InlineData("(region eq 'West' or region eq 'North') and (tier eq 'Basic')", new[] { "Delta Steel", "alpha lower" })]
    [InlineData("size eq null", new[] { "Bravo Foods" })]
    public async Task Filters_select_the_matching_records(string filter, string[] expected)
    {
        var names = await NamesAsync($"filter={Uri.EscapeDataString(filter)}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Filters_on_times_compare_points_in_time()
    {
        var all = await _client.GetObjectAsync($"{Url}?sort=createdAt&fields=name,createdAt");
        var third = all["items"]![2]!["createdAt"]!.GetValue<string>();
        var later = await _client.GetObjectAsync($"{Url}?filter={Uri.EscapeDataString($"createdAt gt '{third}'")}&sort=createdAt");
        Assert.Equal(all.Names().Skip(3), later.Names());
    }

    [Fact]
    public async Task Sorting_on_several_fields_with_directions()
    {
        var page = await _client.GetObjectAsync($"{Url}?sort=tier,-createdAt&fields=name,tier");
        // tiers sort as stored text: Basic < Key < Standard < Strategic; within a tier, newest first
        Assert.Equal(["alpha lower", "Delta Steel", "Alpha Trading", "Echo Retail", "Bravo Foods", "Charlie Tech"], page.Names());
    }

    [Fact]
    public async Task Empty_values_sort_last_in_both_directions()
    {
        Assert.Equal("Echo Retail", (await _client.GetObjectAsync($"{Url}?sort=region")).Names()[^1]);
        Assert.Equal("Echo Retail", (await _client.GetObjectAsync($"{Url}?sort=-region")).Names()[^1]);
    }

    [Fact]
    public async Task Search_looks_in_searchable_fields_ignoring_case()
    {
        var page = await _client.GetObjectAsync($"{Url}?search=TRADING&sort=name");
        Assert.Equal(["Alpha Trading", "alpha lower"], page.Names()); // name or industry
    }

    [Fact]
    public async Task Offset_paging_with_the_total_only_when_asked()
    {
        var first = await _client.GetObjectAsync($"{Url}?sort=name&limit=4&count=true");
        Assert.Equal(6, first["total"]!.GetValue<int>());
        Assert.Equal(4, first.Names().Length);
        var second = await _client.GetObjectAsync($"{Url}?sort=name&limit=4&offset=4");
        Assert.Null(second["total"]);
        Assert.Equal(2, second.Names().Length);
        Assert.Empty(first.Names().Intersect(second.Names()));
    }

    [Fact]
    public async Task Cursor_paging_walks_every_record_once_in_order()
    {
        var seen = new List<string>();
        var cursor = "";
        do
        {
            var page = await _client.GetObjectAsync($"{Url}?sort=-name&limit=4&cursor={cursor}");
            seen.AddRange(page.Names());
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        var expected = (await _client.GetObjectAsync($"{Url}?sort=-name")).Names();
        Assert.Equal(expected, seen);
        Assert.Equal(6, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("sort=-name")]     // a sort keyset paging follows: the cursor holds the last row's values
    [InlineData("sort=tier,name")] // a choice first: the cursor holds the next offset
    [InlineData("")]               // the set's default sort
    public async Task The_first_page_asked_for_without_a_cursor_gives_the_next_pages_cursor(string sort)
    {
        var all = (await _client.GetObjectAsync($"{Url}?{sort}")).Names();
        var seen = new List<string>();
        var page = await _client.GetObjectAsync($"{Url}?{sort}&limit=4");
        Assert.Equal(0, page["offset"]!.GetValue<int>());
        while (true)
        {
            seen.AddRange(page.Names());
            if (page["nextCursor"]?.GetValue<string>() is not { } cursor) break;
            page = await _client.GetObjectAsync($"{Url}?{sort}&limit=4&cursor={cursor}");
        }
        Assert.Equal(all, seen);
        Assert.Equal(6, seen.Distinct().Count());
        // the last page says so, and a page asked for by offset tells the next one too
        Assert.Null((await _client.GetObjectAsync($"{Url}?{sort}&limit=6"))["nextCursor"]);
        Assert.NotNull((await _client.GetObjectAsync($"{Url}?{sort}&limit=2&offset=2"))["nextCursor"]);
        Assert.Null((await _client.GetObjectAsync($"{Url}?{sort}&limit=2&offset=4"))["nextCursor"]);
    }

    [Fact]
    public async Task Field_selection_returns_only_the_named_fields_and_the_id()
    {
        var page = await _client.GetObjectAsync($"{Url}?fields=name,tier&limit=1");
        var item = page["items"]![0]!.AsObject();
        Assert.Equal(["id", "name", "tier"], item.Select(p => p.Key));
    }

    [Theory]
    [InlineData("filter=colour eq 'red'", "filter: unknown field 'colour' at position 1")]
    [InlineData("filter=region eq 5", "filter: 'region' is Text; 5 is not a 'text' value")]
    [InlineData("filter=tier eq 'Gold'", "filter: 'tier' must be one of 'Strategic', 'Key', 'Standard', 'Basic'; 'Gold' is not")]
    [InlineData("filter=tier gt 'Key'", "filter: 'gt' does not apply to Choice field 'tier'")]
    [InlineData("filter=createdAt gt 'yesterday'", "is not a date and time")]
    [InlineData("filter=version eq 1", "filter: field 'version' cannot be filtered on")]
    [InlineData("filter=region eq", "filter ends where a value was expected")]
    [InlineData("sort=colour", "sort: unknown field 'colour'")]
    [InlineData("sort=version", "sort: field 'version' cannot be sorted on")]
    [InlineData("fields=name,colour", "fields: unknown field 'colour'")]
    [InlineData("limit=0", "limit must be between 1 and 500")]
    [InlineData("limit=501", "limit must be between 1 and 500")]
    [InlineData("offset=-1", "offset must be 0 or more")]
    [InlineData("offset=2&cursor=", "use either offset or cursor, not both")]
    [InlineData("cursor=garbage", "cursor is not valid for this query")]
    [InlineData("cursor=&sort=region", "cursor paging cannot sort on 'region'")]
    [InlineData("limit=ten", "limit must be a whole number; 'ten' is not")]
    [InlineData("count=maybe", "count must be true or false")]
    public async Task An_invalid_query_is_a_400_problem_saying_what_is_wrong(string query, string expected)
    {
        var response = await _client.GetAsync($"{Url}?{query.Replace(" ", "%20")}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ObjectAsync();
        Assert.Contains(expected, problem["detail"]!.GetValue<string>());
    }
}

/// <summary>The cost of a list page in SQL commands.</summary>
public sealed class ListQueryCostTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Url = CustomerListFixture.Url;

    [Fact]
    public async Task A_list_page_costs_the_same_number_of_SQL_commands_whatever_its_size()
    {
        using var counter = new SqlCommandCounter(_db);
        await _client.PostAsync($"{Url}/bulk", System.Net.Http.Json.JsonContent.Create(Enumerable.Range(0, 3).Select(i => new { name = $"Seed {i}" })));
        await OutboxDrainedAsync();
        counter.Reset();
        await _client.GetObjectAsync($"{Url}?limit=2&count=true&filter={Uri.EscapeDataString("region ne 'x'")}&sort=-name");
        var small = counter.Commands.Count;

        await _client.PostAsync($"{Url}/bulk", System.Net.Http.Json.JsonContent.Create(Enumerable.Range(0, 120).Select(i => new { name = $"Bulk {i:000}", region = "South" })));
        await OutboxDrainedAsync();
        counter.Reset();
        var page = await _client.GetObjectAsync($"{Url}?limit=120&count=true&filter={Uri.EscapeDataString("region ne 'x'")}&sort=-name");
        Assert.Equal(120, page.Names().Length);

        Assert.Equal(small, counter.Commands.Count);
        Assert.Equal(2, counter.Commands.Count(c => c.Contains("customers_customer"))); // the page and its total
    }

    /// <summary>The outbox dispatcher works in the background on the same database; let it finish first.</summary>
    private async Task OutboxDrainedAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"DispatchedAtUtc\" IS NULL")) == 0) return;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("the outbox was not dispatched");
    }
}
