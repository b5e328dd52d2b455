using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Records;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// Document numbers come from a per-tenant sequence: formatted, unique and gap-free under concurrent
/// writers, in the tenant's format and calendar; and the tenant's time zone and currency.
/// </summary>
public sealed class NumberSequenceTests() : TenantHostTest(PluginFolder.Deals)
{
    private const string Deals = "/api/deals/deals";

    private static string Year => DateTime.UtcNow.Year.ToString();

    [Fact]
    public async Task Concurrent_creates_get_every_number_once_without_gaps()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => _client.PostAsJsonAsync(Deals, new { title = $"Deal {i}" })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var numbers = new List<string>();
        foreach (var answer in answers) numbers.Add((await answer.ObjectAsync())["number"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"D-{Year}-{i:0000}"), numbers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_write_gives_its_number_back_and_clients_cannot_set_one()
    {
        Assert.Equal($"D-{Year}-0001", (await _client.CreateAsync(Deals, new { title = "First" }))["number"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync(Deals, new { title = "" })).StatusCode); // took 0002, rolled back
        var chosen = await _client.PostAsJsonAsync(Deals, new { title = "Mine", number = "D-1999-9999" });
        Assert.Equal(HttpStatusCode.BadRequest, chosen.StatusCode);
        Assert.NotNull((await chosen.ObjectAsync())["errors"]!["number"]);
        Assert.Equal($"D-{Year}-0002", (await _client.CreateAsync(Deals, new { title = "Second" }))["number"]!.GetValue<string>());
        var bulk = await _client.PostAsJsonAsync($"{Deals}/bulk", new object[] { new { title = "Third" }, new { title = "" } });
        Assert.Equal(HttpStatusCode.BadRequest, bulk.StatusCode);
        Assert.Equal($"D-{Year}-0003", (await _client.CreateAsync(Deals, new { title = "Third" }))["number"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_tenant_sets_its_own_format_and_each_tenant_counts_for_itself()
    {
        await _client.CreateAsync(Deals, new { title = "Old format" });
        var sequences = (await _client.GetFromJsonAsync<JsonArray>("/api/tenant/number-sequences"))!;
        var deal = Assert.Single(sequences, s => s!["name"]!.GetValue<string>() == "deals.deal")!;
        Assert.Equal($"D-{Year}-0002", deal["nextNumber"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync("/api/tenant/number-sequences/deals.deal", new { format = "NO-COUNTER-{yyyy}" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync("/api/tenant/number-sequences/deals.deal", new { format = "{hh}-{000}" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PutAsJsonAsync("/api/tenant/number-sequences/deals.nothing", new { format = "X-{000}" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PutAsJsonAsync("/api/tenant/number-sequences/deals.deal", new { format = "JY{yy}{MM}-{00000}" })).StatusCode);
        var now = DateTime.UtcNow;
        Assert.Equal($"JY{now:yy}{now:MM}-00001", (await _client.CreateAsync(Deals, new { title = "New format" }))["number"]!.GetValue<string>());

        using var globex = await _host.TenantClientAsync("globex");
        Assert.Equal($"D-{Year}-0001", (await globex.CreateAsync(Deals, new { title = "Globex's first" }))["number"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PutAsJsonAsync("/api/tenant/number-sequences/deals.deal", new { format = (string?)null })).StatusCode);
        Assert.Equal($"D-{Year}-0002", (await _client.CreateAsync(Deals, new { title = "Default again" }))["number"]!.GetValue<string>());
    }

    [Fact]
    public async Task Numbers_follow_the_tenants_calendar_not_UTCs()
    {
        var settings = await _client.PutAsJsonAsync("/api/tenant/settings", new { timeZone = "Asia/Shanghai", currency = "cny" });
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.Equal("CNY", (await settings.ObjectAsync())["currency"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync("/api/tenant/settings", new { timeZone = "Mars/Olympus" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync("/api/tenant/settings", new { currency = "XYZ1" })).StatusCode);

        // 31 December, 17:00 UTC is already 1 January, 01:00 in Shanghai: a new year's first number
        var clock = new MovableClock();
        var eve = new DateTimeOffset(DateTime.UtcNow.Year, 12, 31, 17, 0, 0, TimeSpan.Zero);
        clock.Ahead = eve - DateTimeOffset.UtcNow;
        await using var timed = _host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var client = timed.CreateClient();
        var login = await (await client.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        client.DefaultRequestHeaders.Authorization = new("Bearer", login["accessToken"]!.GetValue<string>());
        Assert.Equal($"D-{eve.Year + 1}-0001", (await client.CreateAsync(Deals, new { title = "New year's" }))["number"]!.GetValue<string>());
        Assert.Equal($"D-{eve.Year}-0001", (await _client.CreateAsync(Deals, new { title = "This year's" }))["number"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("SO-{yyyy}-{000000}", 2026, 3, 7, 123, "SO-2026-000123", "2026")]
    [InlineData("{yy}{MM}{dd}{000}", 2026, 3, 7, 5, "260307005", "26-03-07")]
    [InlineData("INV{0000}", 2026, 3, 7, 12345, "INV12345", "")]
    public void A_format_renders_its_tokens_and_its_date_part_is_the_counters_period(string format, int y, int m, int d, long counter, string number, string period)
    {
        Assert.Null(NumberFormat.Problem(format));
        Assert.Equal(number, NumberFormat.Render(format, new DateOnly(y, m, d), counter));
        Assert.Equal(period, NumberFormat.Period(format, new DateOnly(y, m, d)));
    }
}
