using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>Automation rules set by a tenant administrator at run time: trigger, condition, actions, runs, and the chain guard.</summary>
public sealed class AutomationTests() : TenantHostTest(PluginFolder.Customers, PluginFolder.Deals)
{
    private const string Customers = "/api/customers/customers";
    private const string Deals = "/api/deals/deals";
    private HttpClient _admin => _client;

    private async Task<Guid> RuleAsync(string entity, string trigger, string? condition, params object[] actions) =>
        (await _admin.CreateAsync("/api/automation-rules", new { name = $"{entity} {trigger}", entity, trigger, condition, actions }))["id"]!.GetValue<Guid>();

    private async Task<JsonArray> RunsAsync(Guid rule) => (await _admin.GetFromJsonAsync<JsonObject>($"/api/automation-rules/{rule}/runs?limit=500"))!["items"]!.AsArray();

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var value = await read();
        for (var i = 0; i < 100 && !done(value); i++)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }

    [Fact]
    public async Task A_rule_fires_on_create_when_its_condition_holds_and_records_every_run()
    {
        var rule = await RuleAsync("customers.customers", "created", "region eq 'East'", new { type = "set", fields = new { tier = "Key" } });
        var east = (await _admin.CreateAsync(Customers, new { name = "East Co", region = "East" }))["id"]!.GetValue<Guid>();
        var west = (await _admin.CreateAsync(Customers, new { name = "West Co", region = "West" }))["id"]!.GetValue<Guid>();

        var tier = await EventuallyAsync(async () => (await _admin.GetObjectAsync($"{Customers}/{east}"))["tier"]!.GetValue<string>(), t => t == "Key");
        Assert.Equal("Key", tier);
        var runs = await EventuallyAsync(() => RunsAsync(rule), r => r.Count >= 2);
        Assert.Equal("Succeeded", runs.Single(r => r!["recordId"]!.GetValue<Guid>() == east)!["status"]!.GetValue<string>());
        Assert.Equal("NotMet", runs.Single(r => r!["recordId"]!.GetValue<Guid>() == west)!["status"]!.GetValue<string>());
        Assert.Equal("Standard", (await _admin.GetObjectAsync($"{Customers}/{west}"))["tier"]!.GetValue<string>());
        var audit = (await _admin.GetObjectAsync($"/api/audit?recordId={east}"))["items"]![0]!;
        Assert.Equal("automation", audit["userId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rules_assign_round_robin_within_a_team_create_records_and_run_transitions()
    {
        var team = (await _admin.CreateAsync("/api/teams", new { name = "Inside sales" }))["id"]!.GetValue<Guid>();
        using var a = await _host.AddUserAsync(_admin, "a@acme.test", "sales-rep", team);
        using var b = await _host.AddUserAsync(_admin, "b@acme.test", "sales-rep", team);
        var ids = new[] { (await a.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>(), (await b.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>() };
        await RuleAsync("deals.deals", "created", null, new { type = "assign", team }, new { type = "transition", name = "qualify" });
        await RuleAsync("customers.customers", "created", null, new { type = "create", entity = "deals.deals", fields = new { title = "First deal of {{id}}" } });

        var customer = (await _admin.CreateAsync(Customers, new { name = "Acme" }))["id"]!.GetValue<Guid>();
        // the page's rows, not its total: the two are read one after the other, and the deal may come between
        var deals = await EventuallyAsync(() => _admin.GetObjectAsync(Deals), p => p["items"]!.AsArray().Count >= 1);
        Assert.Equal($"First deal of {customer}", deals["items"]![0]!["title"]!.GetValue<string>());

        var created = new List<Guid>();
        for (var i = 0; i < 3; i++) created.Add((await _admin.CreateAsync(Deals, new { title = $"Deal {i}" }))["id"]!.GetValue<Guid>());
        var owners = new List<string>();
        foreach (var id in created)
        {
            var deal = await EventuallyAsync(() => _admin.GetObjectAsync($"{Deals}/{id}"), d => d["stage"]!.GetValue<string>() == "Qualified");
            Assert.Equal("Qualified", deal["stage"]!.GetValue<string>());
            owners.Add(deal["ownerId"]!.GetValue<string>());
        }
        Assert.Equal(2, owners.Distinct().Count());
        Assert.All(owners, o => Assert.Contains(o, ids));
        Assert.NotEqual(owners[0], owners[1]);
        Assert.Equal(owners[0], owners[2]);
    }

    [Fact]
    public async Task Rules_that_trigger_each_other_are_stopped_by_the_chain_guard()
    {
        var toB = await RuleAsync("customers.customers", "updated", "industry eq 'a'", new { type = "set", fields = new { industry = "b" } });
        var toA = await RuleAsync("customers.customers", "updated", "industry eq 'b'", new { type = "set", fields = new { industry = "a" } });
        var id = (await _admin.CreateAsync(Customers, new { name = "Ping pong" }))["id"]!.GetValue<Guid>();
        (await _admin.PatchAsync($"{Customers}/{id}", new { industry = "a" })).EnsureSuccessStatusCode();

        var stopped = await EventuallyAsync(async () => (await RunsAsync(toA)).Concat(await RunsAsync(toB)).ToList(),
            runs => runs.Any(r => r!["status"]!.GetValue<string>() == "Stopped"));
        Assert.Contains(stopped, r => r!["status"]!.GetValue<string>() == "Stopped");
        await Task.Delay(1000);
        var all = (await RunsAsync(toA)).Concat(await RunsAsync(toB)).Where(r => r!["status"]!.GetValue<string>() == "Succeeded").ToList();
        Assert.Equal(5, all.Count); // one link per write until the guard, not forever
        Assert.Equal(5L, Convert.ToInt64(await _db.ScalarAsync("SELECT MAX(\"ChainDepth\") FROM sk_outbox")));
    }

    [Fact]
    public async Task A_scheduled_rule_acts_on_every_record_meeting_its_condition()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Jobs:PollSeconds"] = "1" });
        using var admin = await host.TenantClientAsync("acme");
        var east = (await admin.CreateAsync(Customers, new { name = "East Co", region = "East" }))["id"]!.GetValue<Guid>();
        var west = (await admin.CreateAsync(Customers, new { name = "West Co", region = "West" }))["id"]!.GetValue<Guid>();
        var rule = (await admin.CreateAsync("/api/automation-rules", new
        {
            name = "Nightly tiering", entity = "customers.customers", trigger = "schedule:* * * * * *", condition = "region eq 'East'",
            actions = new object[] { new { type = "set", fields = new { tier = "Key" } } },
        }))["id"]!.GetValue<Guid>();

        var tier = await EventuallyAsync(async () => (await admin.GetObjectAsync($"{Customers}/{east}"))["tier"]!.GetValue<string>(), t => t == "Key");
        Assert.Equal("Key", tier);
        Assert.Equal("Standard", (await admin.GetObjectAsync($"{Customers}/{west}"))["tier"]!.GetValue<string>());
        var runs = (await admin.GetFromJsonAsync<JsonObject>($"/api/automation-rules/{rule}/runs?limit=500"))!["items"]!.AsArray();
        Assert.All(runs, r => Assert.Equal(east, r!["recordId"]!.GetValue<Guid>()));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/automation-rules", new
        {
            name = "bad", entity = "customers.customers", trigger = "schedule:every day", actions = new object[] { new { type = "set", fields = new { tier = "Key" } } },
        })).StatusCode);
    }

    [Fact]
    public async Task A_failing_rule_is_visible_in_its_runs_with_the_error_and_changes_nothing()
    {
        var rule = await RuleAsync("customers.customers", "created", null, new { type = "set", fields = new { tier = "Gold" } });
        var id = (await _admin.CreateAsync(Customers, new { name = "Acme" }))["id"]!.GetValue<Guid>();
        var runs = await EventuallyAsync(() => RunsAsync(rule), r => r.Count == 1);
        Assert.Equal("Failed", runs[0]!["status"]!.GetValue<string>());
        Assert.Contains("tier", runs[0]!["error"]!.GetValue<string>());
        Assert.Equal(1, (await _admin.GetObjectAsync($"{Customers}/{id}"))["version"]!.GetValue<long>());

        var bad = await _admin.PostAsJsonAsync("/api/automation-rules", new { name = "x", entity = "customers.customers", trigger = "deleted", actions = new[] { new { type = "explode" } } });
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ObjectAsync())["errors"]!.AsObject();
        Assert.NotNull(errors["trigger"]);
        Assert.NotNull(errors["actions[0].type"]);
    }

    [Theory]
    [InlineData("{\"type\":1}", "actions[0].type")]
    [InlineData("{\"type\":\"\\ud800\"}", "actions[0].type")]
    [InlineData("{\"type\":\"assign\",\"team\":42}", "actions[0].team")]
    [InlineData("{\"type\":\"webhook\",\"webhook\":\"not-a-guid\"}", "actions[0].webhook")]
    [InlineData("{\"type\":\"set\",\"fields\":\"tier\"}", "actions[0].fields")]
    [InlineData("{\"type\":\"create\",\"fields\":{},\"entity\":7}", "actions[0].entity")]
    public async Task An_action_with_a_value_of_the_wrong_kind_is_a_400_naming_it_not_a_rule_that_fails_later(string action, string field)
    {
        var body = $"{{\"name\":\"x\",\"entity\":\"customers.customers\",\"trigger\":\"created\",\"actions\":[{action}]}}";
        var bad = await _admin.PostAsync("/api/automation-rules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ObjectAsync())["errors"]![field]);
    }
}
