using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>
/// Deals over 50,000 need the owner's manager to approve a win; over 200,000 a director as well.
/// </summary>
public sealed class ApprovalTests : IAsyncLifetime
{
    private const string Url = "/api/deals/deals";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Deals);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _admin = null!, _rep = null!, _manager = null!, _director = null!;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _admin = await _host.TenantClientAsync("acme");
        (await _admin.PostAsJsonAsync("/api/roles", new { code = "director", name = "Sales director" })).EnsureSuccessStatusCode();
        _manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager");
        var managerId = (await _manager.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<Guid>();
        var team = (await _admin.CreateAsync("/api/teams", new { name = "Sales", managerUserId = managerId }))["id"]!.GetValue<Guid>();
        _rep = await _host.AddUserAsync(_admin, "rep@acme.test", "sales-rep", team);
        _director = await _host.AddUserAsync(_admin, "director@acme.test", "director");
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "deals.deals.win", depth = "Own" })).EnsureSuccessStatusCode();
        var policy = await _admin.PutAsJsonAsync("/api/approval-policies", new
        {
            entity = "deals.deals", transition = "win",
            levels = new object[] { new { condition = "amount gt 50000", approver = "manager" }, new { condition = "amount gt 200000", approver = "role:director" } },
        });
        Assert.Equal(HttpStatusCode.NoContent, policy.StatusCode);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in new[] { _admin, _rep, _manager, _director }) c.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    private async Task<Guid> QualifiedDealAsync(decimal amount)
    {
        var id = (await _rep.CreateAsync(Url, new { title = $"Deal {amount}", amount }))["id"]!.GetValue<Guid>();
        (await _rep.PostAsJsonAsync($"{Url}/{id}/transitions/qualify", new { })).EnsureSuccessStatusCode();
        return id;
    }

    private async Task<JsonArray> InboxAsync(HttpClient client) => (await client.GetFromJsonAsync<JsonObject>("/api/approvals/inbox?limit=500"))!["items"]!.AsArray();

    [Fact]
    public async Task A_deal_under_every_threshold_is_won_at_once()
    {
        var id = await QualifiedDealAsync(30000m);
        var won = await _rep.PostAsJsonAsync($"{Url}/{id}/transitions/win", new { });
        Assert.Equal(HttpStatusCode.OK, won.StatusCode);
        Assert.Equal("Won", (await won.ObjectAsync())["stage"]!.GetValue<string>());
    }

    [Fact]
    public async Task Over_the_first_threshold_the_owners_manager_approves_and_the_deal_is_won()
    {
        var id = await QualifiedDealAsync(100000m);
        var requested = await _rep.PostAsJsonAsync($"{Url}/{id}/transitions/win",
            new { comment = "please", input = new { signedOn = "2026-11-30", purchaseOrder = "PO-7731" } });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var approval = await requested.ObjectAsync();
        Assert.Equal("Pending", approval["status"]!.GetValue<string>());
        Assert.Equal("Approval", (await _rep.GetObjectAsync($"{Url}/{id}"))["stage"]!.GetValue<string>());

        Assert.Single(await InboxAsync(_manager));
        Assert.Empty(await InboxAsync(_director));
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep.PostAsJsonAsync($"/api/approvals/{approval["id"]}/approve", new { })).StatusCode);

        var approved = await (await _manager.PostAsJsonAsync($"/api/approvals/{approval["id"]}/approve", new { comment = "good margin" })).ObjectAsync();
        Assert.Equal("Approved", approved["status"]!.GetValue<string>());
        var deal = await _rep.GetObjectAsync($"{Url}/{id}");
        Assert.Equal("Won", deal["stage"]!.GetValue<string>());
        Assert.NotNull(deal["closedAtUtc"]); // the transition's effect ran on approval
        Assert.Equal("PO-7731", deal["purchaseOrder"]!.GetValue<string>()); // with the input given when it was asked for
        Assert.Equal("2026-11-30", deal["signedOn"]!.GetValue<string>());
        Assert.Empty(await InboxAsync(_manager));
        var history = (await _rep.GetFromJsonAsync<JsonArray>($"{Url}/{id}/history"))!.Select(h => h!["transition"]!.GetValue<string>());
        Assert.Equal(["qualify", "win:requested", "win:approved"], history);

        var again = await _manager.PostAsJsonAsync($"/api/approvals/{approval["id"]}/approve", new { });
        Assert.Equal((HttpStatusCode)422, again.StatusCode);
    }

    [Fact]
    public async Task Over_the_second_threshold_a_director_also_decides_and_a_rejection_sends_the_deal_back()
    {
        var id = await QualifiedDealAsync(300000m);
        var approval = await (await _rep.PostAsJsonAsync($"{Url}/{id}/transitions/win", new { })).ObjectAsync();
        Assert.Equal(2, approval["steps"]!.AsArray().Count);

        var first = await (await _manager.PostAsJsonAsync($"/api/approvals/{approval["id"]}/approve", new { })).ObjectAsync();
        Assert.Equal("Pending", first["status"]!.GetValue<string>());
        Assert.Equal(1, first["currentLevel"]!.GetValue<int>());
        Assert.Equal("Approval", (await _rep.GetObjectAsync($"{Url}/{id}"))["stage"]!.GetValue<string>());
        Assert.Empty(await InboxAsync(_manager));
        Assert.Single(await InboxAsync(_director));

        var rejected = await (await _director.PostAsJsonAsync($"/api/approvals/{approval["id"]}/reject", new { comment = "discount too deep" })).ObjectAsync();
        Assert.Equal("Rejected", rejected["status"]!.GetValue<string>());
        Assert.Equal("discount too deep", rejected["steps"]![1]!["comment"]!.GetValue<string>());
        Assert.Equal("Qualified", (await _rep.GetObjectAsync($"{Url}/{id}"))["stage"]!.GetValue<string>());
        var history = (await _rep.GetFromJsonAsync<JsonArray>($"{Url}/{id}/history"))!;
        Assert.Equal("win:rejected", history[^1]!["transition"]!.GetValue<string>());
        Assert.Equal("Qualified", history[^1]!["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nobody_approves_their_own_request()
    {
        var id = await QualifiedDealAsync(100000m);
        // the manager (in the team they manage) asks to win a deal of the team: the only approver would be themselves
        var team = (await _admin.GetFromJsonAsync<JsonArray>("/api/teams"))!.Single()!["id"]!.GetValue<Guid>();
        var managerId = (await _manager.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<Guid>();
        (await _admin.PutAsJsonAsync($"/api/users/{managerId}/team", new { teamId = team })).EnsureSuccessStatusCode();
        var own = await _manager.PostAsJsonAsync($"{Url}/{id}/transitions/win", new { });
        Assert.Equal((HttpStatusCode)422, own.StatusCode);
        Assert.Equal("kernel.no-approver", (await own.ObjectAsync())["rule"]!.GetValue<string>());
        Assert.Equal("Qualified", (await _rep.GetObjectAsync($"{Url}/{id}"))["stage"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_policy_with_a_bad_condition_or_approver_is_refused()
    {
        var response = await _admin.PutAsJsonAsync("/api/approval-policies", new
        {
            entity = "deals.deals", transition = "win",
            levels = new object[] { new { condition = "amount gt 'lots'", approver = "boss" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ObjectAsync())["errors"]!.AsObject();
        Assert.NotNull(errors["levels[0].condition"]);
        Assert.NotNull(errors["levels[0].approver"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsJsonAsync("/api/approval-policies", new { entity = "deals.deals", transition = "qualify", levels = Array.Empty<object>() })).StatusCode);
    }
}
