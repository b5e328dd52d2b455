using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>A deal's stage moves only through its transitions: privileges, guards, comments, effects, history.</summary>
public sealed class StateMachineTests : IAsyncLifetime
{
    private const string Url = "/api/deals/deals";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Deals);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _admin = null!, _rep = null!, _manager = null!;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _admin = await _host.TenantClientAsync("acme");
        var team = (await _admin.CreateAsync("/api/teams", new { name = "Sales" }))["id"]!.GetValue<Guid>();
        _rep = await _host.AddUserAsync(_admin, "rep@acme.test", "sales-rep", team);
        _manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager", team);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in new[] { _admin, _rep, _manager }) c.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    private static Task<HttpResponseMessage> RunAsync(HttpClient client, Guid id, string transition, string? comment = null) =>
        client.PostAsJsonAsync($"{Url}/{id}/transitions/{transition}", new { comment });

    [Fact]
    public async Task A_new_record_starts_in_the_initial_state_and_its_status_cannot_be_written()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.PostAsJsonAsync(Url, new { title = "Big", stage = "Won" })).StatusCode);
        var deal = await _rep.CreateAsync(Url, new { title = "Big" });
        Assert.Equal("New", deal["stage"]!.GetValue<string>());
        var patch = await _rep.PatchAsync($"{Url}/{deal["id"]}", new { stage = "Won" });
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        Assert.Equal("is read-only", (await patch.ObjectAsync())["errors"]!["stage"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task The_available_transitions_say_why_the_others_cannot_run()
    {
        var id = (await _rep.CreateAsync(Url, new { title = "Big" }))["id"]!.GetValue<Guid>();
        var transitions = (await _rep.GetFromJsonAsync<JsonArray>($"{Url}/{id}/transitions"))!.ToDictionary(t => t!["name"]!.GetValue<string>());
        Assert.True(transitions["qualify"]!["available"]!.GetValue<bool>());
        Assert.True(transitions["lose"]!["requiresComment"]!.GetValue<bool>());
        var win = transitions["win"]!;
        Assert.False(win["available"]!.GetValue<bool>());
        var reasons = win["reasons"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Contains("It starts from Qualified; the record is New.", reasons);
        Assert.Contains("You lack the 'win' privilege over this record.", reasons);
        Assert.Contains("A deal is won only with an amount.", reasons);
    }

    [Fact]
    public async Task A_transition_is_refused_without_the_privilege_and_when_a_guard_fails_then_runs_with_its_effect()
    {
        var id = (await _rep.CreateAsync(Url, new { title = "Big" }))["id"]!.GetValue<Guid>();
        Assert.Equal("Qualified", (await (await RunAsync(_rep, id, "qualify")).ObjectAsync())["stage"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Forbidden, (await RunAsync(_rep, id, "win")).StatusCode);
        var guarded = await RunAsync(_manager, id, "win");
        Assert.Equal((HttpStatusCode)422, guarded.StatusCode);
        var problem = await guarded.ObjectAsync();
        Assert.Equal("deals.amount-required", problem["rule"]!.GetValue<string>());
        Assert.Equal("A deal is won only with an amount.", problem["detail"]!.GetValue<string>());

        (await _rep.PatchAsync($"{Url}/{id}", new { amount = 120000m })).EnsureSuccessStatusCode();
        var won = await RunAsync(_manager, id, "win", "signed today");
        Assert.Equal(HttpStatusCode.OK, won.StatusCode);
        var deal = await won.ObjectAsync();
        Assert.Equal("Won", deal["stage"]!.GetValue<string>());
        Assert.NotNull(deal["closedAtUtc"]);

        var again = await RunAsync(_manager, id, "lose", "too late");
        Assert.Equal((HttpStatusCode)422, again.StatusCode);
        Assert.Equal("kernel.transition-from", (await again.ObjectAsync())["rule"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await RunAsync(_manager, id, "teleport")).StatusCode);
    }

    [Fact]
    public async Task Losing_needs_a_comment_and_every_transition_is_in_the_history_and_the_audit()
    {
        var id = (await _rep.CreateAsync(Url, new { title = "Big" }))["id"]!.GetValue<Guid>();
        var noComment = await RunAsync(_rep, id, "lose");
        Assert.Equal(HttpStatusCode.BadRequest, noComment.StatusCode);
        Assert.Equal("is required to lose", (await noComment.ObjectAsync())["errors"]!["comment"]![0]!.GetValue<string>());

        var lost = await (await RunAsync(_rep, id, "lose", "went with a competitor")).ObjectAsync();
        Assert.Equal("Lost", lost["stage"]!.GetValue<string>());
        Assert.Equal("went with a competitor", lost["lostReason"]!.GetValue<string>());
        var reopened = await (await RunAsync(_rep, id, "reopen")).ObjectAsync();
        Assert.Equal("New", reopened["stage"]!.GetValue<string>());
        Assert.Null(reopened["lostReason"]);

        var history = (await _rep.GetFromJsonAsync<JsonArray>($"{Url}/{id}/history"))!;
        Assert.Equal(["lose", "reopen"], history.Select(h => h!["transition"]!.GetValue<string>()));
        Assert.Equal("New", history[0]!["from"]!.GetValue<string>());
        Assert.Equal("Lost", history[0]!["to"]!.GetValue<string>());
        Assert.Equal("went with a competitor", history[0]!["comment"]!.GetValue<string>());
        Assert.NotNull(history[0]!["userId"]);

        var audit = (await _admin.GetObjectAsync($"/api/audit?recordId={id}"))["items"]!.AsArray();
        Assert.Contains(audit, a => a!["changes"]!.AsArray().Any(c => c!["field"]!.GetValue<string>() == "stage" && c["after"]!.GetValue<string>() == "Lost"));
        Assert.Equal(HttpStatusCode.NotFound, (await _manager.GetAsync($"{Url}/{Guid.NewGuid()}/history")).StatusCode);
    }

    [Fact]
    public async Task The_metadata_describes_the_state_machine()
    {
        var set = (await _admin.GetObjectAsync("/api/meta"))["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "deals.deals")!;
        var machine = set["stateMachine"]!;
        Assert.Equal("stage", machine["field"]!.GetValue<string>());
        Assert.Equal("New", machine["initial"]!.GetValue<string>());
        Assert.Equal(["Won"], machine["final"]!.AsArray().Select(s => s!.GetValue<string>()));
        var win = machine["transitions"]!.AsArray().First(t => t!["name"]!.GetValue<string>() == "win")!;
        Assert.Equal("win", win["privilege"]!.GetValue<string>());
        Assert.Equal("deals.amount-required", win["guards"]![0]!["rule"]!.GetValue<string>());
    }
}
