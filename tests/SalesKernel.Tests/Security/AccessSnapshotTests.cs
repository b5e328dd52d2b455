using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// A host keeps what each caller may do between requests (their roles, grants, teams and field rules):
/// a change to any of these is seen by the very next request, a caller's repeated requests do not read
/// them again, and a change made on another host is seen here within the stamp cache time.
/// </summary>
public sealed class AccessSnapshotTests : IAsyncLifetime
{
    private const string Url = "/api/customers/customers";
    private static readonly string[] AccessTables = ["sk_user_role", "sk_role", "sk_field_rule", "sk_team"];
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _admin = null!, _rep = null!, _other = null!, _manager = null!;
    private Guid _north, _repId, _otherId, _managerId;

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _admin = await _host.TenantClientAsync("acme");
        _north = await TeamAsync("North", null);
        var south = await TeamAsync("South", null);
        _rep = await _host.AddUserAsync(_admin, "rep@acme.test", "sales-rep", _north);
        _other = await _host.AddUserAsync(_admin, "other@acme.test", "sales-rep", south);
        _manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager", _north);
        _repId = await IdAsync(_rep);
        _otherId = await IdAsync(_other);
        _managerId = await IdAsync(_manager);
        await _rep.CreateAsync(Url, new { name = "A of rep", industry = "Steel" });
        await _other.CreateAsync(Url, new { name = "B of other", industry = "Food" });
    }

    private static async Task<Guid> IdAsync(HttpClient client) => Guid.Parse((await client.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>());

    private async Task<Guid> TeamAsync(string name, Guid? parentId) =>
        (await _admin.CreateAsync("/api/teams", new { name, parentId }))["id"]!.GetValue<Guid>();

    public async Task DisposeAsync()
    {
        foreach (var c in new[] { _admin, _rep, _other, _manager }) c.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    /// <summary>Whether SQL reads a table (quoted on SQLite, not on PostgreSQL).</summary>
    private static bool Reads(string sql, string table) => System.Text.RegularExpressions.Regex.IsMatch(sql, $"(FROM|JOIN) \"?{table}\"? ");

    private static async Task<string[]> NamesAsync(HttpClient client) => (await client.GetObjectAsync($"{Url}?sort=name")).Names();

    [Fact]
    public async Task Every_change_to_roles_grants_teams_and_field_rules_is_seen_by_the_very_next_request()
    {
        // each caller's access is loaded (and kept) before each change
        Assert.Equal(["A of rep"], await NamesAsync(_rep));
        Assert.Equal(["A of rep"], await NamesAsync(_manager));

        // a grant
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customers.read", depth = "Tenant" })).EnsureSuccessStatusCode();
        Assert.Equal(["A of rep", "B of other"], await NamesAsync(_rep));
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customers.read", depth = "Own" })).EnsureSuccessStatusCode();
        Assert.Equal(["A of rep"], await NamesAsync(_rep));

        // a field rule
        Assert.Equal("Steel", (await _rep.GetObjectAsync($"{Url}?sort=name"))["items"]![0]!["industry"]!.GetValue<string>());
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/fields", new { entity = "customers.customers", field = "industry", access = "Hidden" })).EnsureSuccessStatusCode();
        Assert.False((await _rep.GetObjectAsync($"{Url}?sort=name"))["items"]![0]!.AsObject().ContainsKey("industry"));

        // the user's roles
        (await _admin.PutAsJsonAsync($"/api/users/{_repId}/roles", new { roles = new[] { "read-only" } })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep.PostAsJsonAsync(Url, new { name = "Refused" })).StatusCode);
        Assert.Equal(["A of rep", "B of other"], await NamesAsync(_rep));

        // the user's team: the manager now reaches the South team's records, not the North's
        (await _admin.PutAsJsonAsync($"/api/users/{_managerId}/team", new { teamId = (Guid?)null })).EnsureSuccessStatusCode();
        Assert.Empty(await NamesAsync(_manager));

        // the team tree: a team made below the manager's is reached at once
        (await _admin.PutAsJsonAsync($"/api/users/{_managerId}/team", new { teamId = _north })).EnsureSuccessStatusCode();
        Assert.Equal(["A of rep"], await NamesAsync(_manager));
        var below = await TeamAsync("North-East", _north);
        (await _admin.PutAsJsonAsync($"/api/users/{_otherId}/team", new { teamId = below })).EnsureSuccessStatusCode();
        await _other.CreateAsync(Url, new { name = "C of other, North-East" });
        Assert.Equal(["A of rep", "C of other, North-East"], await NamesAsync(_manager));
    }

    [Fact]
    public async Task A_callers_repeated_requests_read_their_access_once()
    {
        var a = (await _rep.GetObjectAsync($"{Url}?sort=name"))["items"]![0]!["id"]!.GetValue<Guid>();
        using var counter = new SqlCommandCounter(_db);
        Assert.Equal(HttpStatusCode.OK, (await _rep.GetAsync($"{Url}/{a}")).StatusCode);
        Assert.Equal(["A of rep"], await NamesAsync(_rep));
        Assert.DoesNotContain(counter.Commands, c => AccessTables.Any(t => Reads(c, t)));
        var stampReads = counter.Commands.Count(c => Reads(c, "sk_change_stamp"));
        // the record, the page (what else was read is shown when this fails)
        Assert.True(counter.Commands.Count - stampReads == 2, string.Join("\n---\n", counter.Commands.Where(c => !Reads(c, "sk_change_stamp"))));
        // and, where several hosts share the database (PostgreSQL, SQL Server), one read of the shared change stamps per request
        Assert.Equal(_db.IsPostgres || _db.IsSqlServer ? 2 : 0, stampReads);

        // a new caller's first request reads them
        counter.Reset();
        using var again = await _host.SignedInClientAsync("manager@acme.test", KernelHost.TenantPassword);
        counter.Reset();
        await NamesAsync(again);
        Assert.Equal(["A of rep"], await NamesAsync(_manager)); // the same user signed in twice shares one snapshot
        Assert.Equal(1, counter.Commands.Count(c => Reads(c, "sk_user_role")));
        Assert.Equal(1, counter.Commands.Count(c => Reads(c, "sk_team")));
    }

    [Fact]
    public async Task A_change_made_on_another_host_is_seen_here_once_the_stamp_cache_time_has_passed()
    {
        // frozen: "9 s later" must not become 10 s because the machine was slow between two requests
        var clock = new MovableClock { FrozenAt = DateTimeOffset.UtcNow };
        await using var second = _host.WithWebHostBuilder(b => b.UseSetting("SalesKernel:Security:SharedChangeCheck", "Interval")
            .ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var rep = second.CreateClient();
        var signIn = await (await rep.PostAsJsonAsync("/api/auth/login", new { email = "rep@acme.test", password = KernelHost.TenantPassword })).ObjectAsync();
        rep.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signIn["accessToken"]!.GetValue<string>());
        Assert.Equal(["A of rep"], await NamesAsync(rep));

        // the grant is changed through the first host: the second trusts what it holds for a while …
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customers.read", depth = "Tenant" })).EnsureSuccessStatusCode();
        Assert.Equal(["A of rep", "B of other"], await NamesAsync(_rep));
        clock.Ahead = TimeSpan.FromSeconds(9);
        Assert.Equal(["A of rep"], await NamesAsync(rep));
        // … and no longer than the stamp cache time (10 s)
        clock.Ahead = TimeSpan.FromSeconds(11);
        Assert.Equal(["A of rep", "B of other"], await NamesAsync(rep));
    }
}
