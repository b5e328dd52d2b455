using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// A sales rep sees what is theirs, a manager what is their team's and below, a reader everything
/// but changes nothing — and a role can hide or freeze fields.
/// </summary>
public sealed class RecordSecurityTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _admin = null!, _rep1 = null!, _rep2 = null!, _manager = null!, _reader = null!;
    private Guid _a, _b, _rep2Id;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _host.Server.PreserveExecutionContext = true; // for the plan probe: set before the clients are made
        _admin = await _host.TenantClientAsync("acme");
        var north = await TeamAsync("North", null);
        var northEast = await TeamAsync("North-East", north);
        _rep1 = await _host.AddUserAsync(_admin, "rep1@acme.test", "sales-rep", north);
        _rep2 = await _host.AddUserAsync(_admin, "rep2@acme.test", "sales-rep", northEast);
        _manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager", north);
        _reader = await _host.AddUserAsync(_admin, "reader@acme.test", "read-only");
        _rep2Id = Guid.Parse((await _rep2.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>());
        _a = (await _rep1.CreateAsync(Url, new { name = "A of rep1", industry = "Steel", tier = "Key" }))["id"]!.GetValue<Guid>();
        _b = (await _rep2.CreateAsync(Url, new { name = "B of rep2", industry = "Food" }))["id"]!.GetValue<Guid>();
    }

    private async Task<Guid> TeamAsync(string name, Guid? parentId) =>
        (await _admin.CreateAsync("/api/teams", new { name, parentId }))["id"]!.GetValue<Guid>();

    public async Task DisposeAsync()
    {
        foreach (var c in new[] { _admin, _rep1, _rep2, _manager, _reader }) c.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task A_rep_sees_and_changes_only_their_own_customers()
    {
        Assert.Equal(["A of rep1"], (await _rep1.GetObjectAsync($"{Url}?count=true")).Names());
        Assert.Equal(HttpStatusCode.NotFound, (await _rep1.GetAsync($"{Url}/{_b}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep1.PatchAsync($"{Url}/{_b}", new { region = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _rep1.PatchAsync($"{Url}/{_a}", new { region = "North" })).StatusCode);
        // reps may not delete by default: the record is visible, so the answer is 403, not 404
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep1.DeleteAsync($"{Url}/{_a}")).StatusCode);
        // the audit holds every record's values: administrators only
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep1.GetAsync("/api/audit")).StatusCode);
        var a = await _rep1.GetObjectAsync($"{Url}/{_a}");
        Assert.Equal((await _rep1.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>(), a["ownerId"]!.GetValue<string>());
        Assert.NotNull(a["teamId"]);
    }

    [Fact]
    public async Task Reps_running_the_same_query_each_see_their_own_through_one_compiled_plan()
    {
        // what the host's requests made in this test reuse and make (a count of the model's plans would
        // also see other tests' hosts, which share the EF Core model); the clients' context flows into the host
        var probe = SalesKernel.Core.Queries.QueryPlans.Probe.Value = new SalesKernel.Core.Queries.QueryPlans.PlanProbe();
        const string query = Url + "?sort=-name&limit=7&filter=name%20contains%20'of'";
        Assert.Equal(["A of rep1"], (await _rep1.GetObjectAsync(query)).Names());
        var plans = Assert.Single(probe.All).Plans; // the list ran through a plan (made now, or by another test's host)
        // the same shape with another caller's user and team as its values: no new plan, and rep2's rows only
        Assert.Equal(["B of rep2"], (await _rep2.GetObjectAsync(query)).Names());
        Assert.Equal(["A of rep1"], (await _rep1.GetObjectAsync(query)).Names());
        // other values of the filter and the page share it too
        Assert.Empty((await _rep1.GetObjectAsync(Url + "?sort=-name&limit=3&filter=name%20contains%20'rep2'")).Names());
        var later = probe.All.Skip(1).ToList();
        Assert.Equal(3, later.Count);
        Assert.DoesNotContain(later, e => e.Made && ReferenceEquals(e.Plans, plans));
        // a manager reaches teams below: another shape (made here, or by another test's host before), both records
        Assert.Equal(["B of rep2", "A of rep1"], (await _manager.GetObjectAsync(query)).Names());
        // one record by id, through one plan for every caller
        Assert.Equal(HttpStatusCode.OK, (await _rep1.GetAsync($"{Url}/{_a}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep2.GetAsync($"{Url}/{_a}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep1.GetAsync($"{Url}/{_b}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _rep2.GetAsync($"{Url}/{_b}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"{Url}/{_b}")).StatusCode);
    }

    [Fact]
    public async Task A_manager_sees_their_team_and_the_teams_below()
    {
        Assert.Equal(["A of rep1", "B of rep2"], (await _manager.GetObjectAsync($"{Url}?sort=name")).Names());
        Assert.Equal(HttpStatusCode.OK, (await _manager.PatchAsync($"{Url}/{_b}", new { region = "East" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _manager.DeleteAsync($"{Url}/{_b}")).StatusCode);
    }

    [Fact]
    public async Task A_read_only_user_reads_everything_and_changes_nothing()
    {
        Assert.Equal(2, (await _reader.GetObjectAsync(Url)).Names().Length);
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.PatchAsync($"{Url}/{_a}", new { region = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.PostAsJsonAsync(Url, new { name = "New" })).StatusCode);
    }

    [Fact]
    public async Task Sharing_and_assigning_move_what_a_rep_sees()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep1.PostAsJsonAsync($"{Url}/{_a}/share", new { userId = _rep2Id.ToString() })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _manager.PostAsJsonAsync($"{Url}/{_a}/share", new { userId = _rep2Id.ToString() })).StatusCode);
        Assert.Equal(["A of rep1", "B of rep2"], (await _rep2.GetObjectAsync($"{Url}?sort=name")).Names());
        // a share lets rep2 read the record, not change it
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep2.PatchAsync($"{Url}/{_a}", new { region = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _manager.DeleteAsync($"{Url}/{_a}/share/{_rep2Id}")).StatusCode);
        Assert.Equal(["B of rep2"], (await _rep2.GetObjectAsync(Url)).Names());

        var assigned = await _manager.PostAsJsonAsync($"{Url}/{_a}/assign", new { ownerId = _rep2Id });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal(_rep2Id.ToString(), (await assigned.ObjectAsync())["ownerId"]!.GetValue<string>());
        Assert.Empty((await _rep1.GetObjectAsync(Url)).Names());
        Assert.Equal(["A of rep1", "B of rep2"], (await _rep2.GetObjectAsync($"{Url}?sort=name")).Names());
        var audit = await _admin.GetObjectAsync($"/api/audit?recordId={_a}");
        Assert.Contains(audit["items"]!.AsArray(), i => i!["operation"]!.GetValue<string>() == "Share");
    }

    [Fact]
    public async Task An_administrator_widens_a_roles_depth_at_run_time()
    {
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customers.read", depth = "Tenant" })).EnsureSuccessStatusCode();
        Assert.Equal(2, (await _rep1.GetObjectAsync(Url)).Names().Length);
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep1.PatchAsync($"{Url}/{_b}", new { region = "x" })).StatusCode); // update stays Own
        var grants = await _admin.GetFromJsonAsync<JsonArray>("/api/roles/sales-rep/grants");
        var read = grants!.First(g => g!["permission"]!.GetValue<string>() == "customers.customers.read")!;
        Assert.Equal("Tenant", read["depth"]!.GetValue<string>());
        Assert.False(read["isDefault"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_hidden_field_is_absent_from_records_metadata_filters_and_sorts_and_a_frozen_one_cannot_be_written()
    {
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/fields", new { entity = "customers.customers", field = "industry", access = "Hidden" })).EnsureSuccessStatusCode();
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/fields", new { entity = "customers.customers", field = "tier", access = "ReadOnly" })).EnsureSuccessStatusCode();

        var a = await _rep1.GetObjectAsync($"{Url}/{_a}");
        Assert.False(a.ContainsKey("industry"));
        Assert.Equal("Key", a["tier"]!.GetValue<string>());
        Assert.False((await _rep1.GetObjectAsync(Url))["items"]![0]!.AsObject().ContainsKey("industry"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep1.GetAsync($"{Url}?filter={Uri.EscapeDataString("industry eq 'Steel'")}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep1.GetAsync($"{Url}?sort=industry")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep1.GetAsync($"{Url}?search=steel&fields=industry")).StatusCode);
        var fields = (await _rep1.GetObjectAsync("/api/meta"))["entitySets"]![0]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>());
        Assert.DoesNotContain("industry", fields);

        var frozen = await _rep1.PatchAsync($"{Url}/{_a}", new { tier = "Strategic" });
        Assert.Equal(HttpStatusCode.BadRequest, frozen.StatusCode);
        Assert.Equal("is read-only for you", (await frozen.ObjectAsync())["errors"]!["tier"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep1.PatchAsync($"{Url}/{_a}", new { industry = "x" })).StatusCode);

        Assert.Equal("Steel", (await _manager.GetObjectAsync($"{Url}/{_a}"))["industry"]!.GetValue<string>()); // other roles unaffected
    }

    [Fact]
    public async Task An_export_holds_only_the_records_and_fields_the_caller_may_export()
    {
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/fields", new { entity = "customers.customers", field = "industry", access = "Hidden" })).EnsureSuccessStatusCode();
        await _rep1.CreateAsync(Url, new { name = "=HYPERLINK(\"http://evil\")", region = "West, \"North\"" });

        var rep = await _rep1.GetAsync($"{Url}/export?sort=name");
        Assert.Equal(HttpStatusCode.OK, rep.StatusCode);
        Assert.Equal("text/csv", rep.Content.Headers.ContentType!.MediaType);
        var lines = (await rep.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Contains("name", header);
        Assert.DoesNotContain("industry", header);
        Assert.Equal(3, lines.Length); // header, A, and the new one — not rep2's B
        Assert.Contains(lines, l => l.Contains("A of rep1"));
        Assert.DoesNotContain(lines, l => l.Contains("B of rep2"));
        Assert.Contains(lines, l => l.Contains("\"'=HYPERLINK(\"\"http://evil\"\")\"") && l.Contains("\"West, \"\"North\"\"\""));

        var manager = await (await _manager.GetAsync($"{Url}/export?fields=name")).Content.ReadAsStringAsync();
        Assert.Equal(4, manager.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.Forbidden, (await _reader.GetAsync($"{Url}/export")).StatusCode); // read-only: no export by default
        Assert.Contains((await _admin.GetObjectAsync("/api/audit?entity=customers.customers"))["items"]!.AsArray(), i => i!["operation"]!.GetValue<string>() == "Export");
    }

    [Fact]
    public async Task A_user_without_any_role_is_refused_and_sees_no_entity_sets()
    {
        (await _admin.PostAsJsonAsync("/api/users", new { email = "nobody@acme.test", password = KernelHost.TenantPassword })).EnsureSuccessStatusCode();
        using var nobody = await _host.SignedInClientAsync("nobody@acme.test", KernelHost.TenantPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await nobody.GetAsync(Url)).StatusCode);
        Assert.Empty((await nobody.GetObjectAsync("/api/meta"))["entitySets"]!.AsArray());
    }
}
