using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// The authorization matrix, generated from the metadata: for every entity set every plugin
/// declares, every record privilege at every depth, for a custom role and for the standard roles'
/// defaults. A new plugin's entity sets are covered without new test code.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private static readonly string[] Depths = ["None", "Own", "Team", "TeamAndBelow", "Tenant"];
    private readonly PluginFolder _plugins = PluginFolder.Sales.Aggregate(new PluginFolder(), (folder, plugin) => folder.Add(plugin)).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();
    private KernelHost _host = null!;
    private HttpClient _admin = null!;
    private readonly Dictionary<string, (Guid Id, Guid Team)> _users = [];

    public async Task InitializeAsync()
    {
        _host = new KernelHost(_plugins, _db);
        _admin = await _host.TenantClientAsync("acme");
        var team = await TeamAsync("Sales", null);
        var sub = await TeamAsync("Sales East", team);
        var other = await TeamAsync("Service", null);
        foreach (var (name, t) in new[] { ("actor", team), ("mate", team), ("sub", sub), ("stranger", other) })
        {
            var created = await _admin.CreateAsync("/api/users", new { email = $"{name}@acme.test", password = KernelHost.TenantPassword });
            var id = created["id"]!.GetValue<Guid>();
            (await _admin.PutAsJsonAsync($"/api/users/{id}/team", new { teamId = t })).EnsureSuccessStatusCode();
            _users[name] = (id, t);
        }
    }

    private async Task<Guid> TeamAsync(string name, Guid? parentId) =>
        (await _admin.CreateAsync("/api/teams", new { name, parentId }))["id"]!.GetValue<Guid>();

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
        _plugins.Dispose();
        _db.Dispose();
    }

    /// <summary>Whose records each depth reaches, for an actor in team Sales.</summary>
    private static string[] Reach(string depth, bool owned) => !owned
        ? depth == "None" ? [] : ["actor", "mate", "sub", "stranger"]
        : depth switch
        {
            "Own" => ["actor"],
            "Team" => ["actor", "mate"],
            "TeamAndBelow" => ["actor", "mate", "sub"],
            "Tenant" => ["actor", "mate", "sub", "stranger"],
            _ => [],
        };

    [Fact]
    public async Task Every_privilege_at_every_depth_reaches_exactly_the_records_it_should()
    {
        (await _admin.PostAsJsonAsync("/api/roles", new { code = "matrix", name = "Matrix" })).EnsureSuccessStatusCode();
        (await _admin.PutAsJsonAsync($"/api/users/{_users["actor"].Id}/roles", new { roles = new[] { "matrix" } })).EnsureSuccessStatusCode();
        using var actor = await _host.SignedInClientAsync("actor@acme.test", KernelHost.TenantPassword);

        var sets = await WritableSetsAsync();
        Assert.NotEmpty(sets);
        var checks = 0;
        foreach (var set in sets)
        {
            var records = await RecordsOfEachUserAsync(set);
            foreach (var privilege in new[] { "read", "update", "delete" })
            {
                foreach (var depth in Depths)
                {
                    await GrantAsync(set, "read", privilege == "read" ? depth : "Tenant");
                    await GrantAsync(set, "update", privilege == "update" ? depth : "None");
                    await GrantAsync(set, "delete", privilege == "delete" ? depth : "None");
                    var reach = Reach(depth, set.Owned);
                    foreach (var (owner, id) in records)
                    {
                        var inReach = reach.Contains(owner);
                        var status = privilege switch
                        {
                            "read" => (await actor.GetAsync($"{set.Route}/{id}")).StatusCode,
                            "update" => (await actor.PatchAsync($"{set.Route}/{id}", set.Change)).StatusCode,
                            _ => (await actor.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"{set.Route}/{id}") { Headers = { { "If-Match", "\"999999\"" } } })).StatusCode,
                        };
                        // unreadable records are not found; readable ones the privilege does not reach are forbidden;
                        // a delete that is allowed meets the stale version and changes nothing (412)
                        var expected = privilege switch
                        {
                            "read" => inReach ? HttpStatusCode.OK : HttpStatusCode.NotFound,
                            "update" => inReach ? HttpStatusCode.OK : HttpStatusCode.Forbidden,
                            _ => inReach ? HttpStatusCode.PreconditionFailed : HttpStatusCode.Forbidden,
                        };
                        Assert.True(expected == status, $"{set.Name} {privilege} at {depth} on {owner}'s record: expected {(int)expected}, got {(int)status}");
                        checks++;
                    }
                    if (privilege == "read")
                    {
                        var list = await actor.GetAsync($"{set.Route}?limit=500");
                        if (depth == "None") Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
                        else Assert.Equal(reach.Select(o => records[o]).Order(), (await list.ObjectAsync())["items"]!.AsArray()
                            .Select(i => i!["id"]!.GetValue<Guid>()).Where(records.ContainsValue).Order()); // other records (referenced ones) aside
                    }
                }
            }
        }
        Assert.True(checks >= sets.Count * 3 * 5 * 4);
    }

    [Fact]
    public async Task Each_standard_role_reads_what_its_default_depth_says()
    {
        var sets = await WritableSetsAsync();
        foreach (var set in sets)
        {
            var records = await RecordsOfEachUserAsync(set);
            foreach (var role in new[] { "sales-manager", "sales-rep", "service-agent", "read-only" })
            {
                (await _admin.PutAsJsonAsync($"/api/users/{_users["actor"].Id}/roles", new { roles = new[] { role } })).EnsureSuccessStatusCode();
                var depth = (await _admin.GetFromJsonAsync<JsonArray>($"/api/roles/{role}/grants"))!
                    .First(g => g!["permission"]!.GetValue<string>() == $"{set.Name}.read")!["depth"]!.GetValue<string>();
                using var actor = await _host.SignedInClientAsync("actor@acme.test", KernelHost.TenantPassword);
                foreach (var (owner, id) in records)
                {
                    var expected = Reach(depth, set.Owned).Contains(owner) ? HttpStatusCode.OK : HttpStatusCode.NotFound;
                    Assert.True(expected == (await actor.GetAsync($"{set.Route}/{id}")).StatusCode, $"{role} reading {owner}'s {set.Name} at {depth}");
                }
            }
        }
    }

    private sealed record SetUnderTest(string Name, string Route, bool Owned, Dictionary<string, object> Sample, Dictionary<string, object> Change);

    /// <summary>Entity sets with create, get, update and delete, with a valid record and a change built from their fields.</summary>
    private async Task<List<SetUnderTest>> WritableSetsAsync()
    {
        var meta = await _admin.GetObjectAsync("/api/meta");
        var result = new List<SetUnderTest>();
        foreach (var set in meta["entitySets"]!.AsArray().Select(s => s!.AsObject()))
        {
            var endpoints = set["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()).ToHashSet();
            if (!endpoints.IsSupersetOf(["Create", "Get", "Update", "Delete"])) continue;
            var fields = set["fields"]!.AsArray().Select(f => f!.AsObject()).Where(f => !f["readOnly"]!.GetValue<bool>() && f["name"]!.GetValue<string>() != "id").ToList();
            var sample = new Dictionary<string, object>();
            foreach (var f in fields.Where(f => f["required"]!.GetValue<bool>()))
                sample[f["name"]!.GetValue<string>()] = f["referenceTo"] is { } target
                    ? await ReferencedRecordAsync(meta, target.GetValue<string>())
                    : SampleValue(f);
            var changeable = fields.FirstOrDefault(f => f["type"]!.GetValue<string>() == "Text" && f["referenceTo"] is null) ?? fields.First();
            result.Add(new SetUnderTest(set["name"]!.GetValue<string>(), set["route"]!.GetValue<string>(), set["owned"]!.GetValue<bool>(),
                sample, new Dictionary<string, object> { [changeable["name"]!.GetValue<string>()] = SampleValue(changeable) }));
        }
        return result;
    }

    /// <summary>A record of the referenced set, created by the administrator, for a required reference.</summary>
    private async Task<Guid> ReferencedRecordAsync(JsonObject meta, string setName)
    {
        var set = meta["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == setName)!;
        var sample = set["fields"]!.AsArray().Select(f => f!.AsObject())
            .Where(f => f["required"]!.GetValue<bool>() && !f["readOnly"]!.GetValue<bool>() && f["referenceTo"] is null)
            .ToDictionary(f => f["name"]!.GetValue<string>(), SampleValue);
        return (await _admin.CreateAsync($"{set["route"]!.GetValue<string>()}?force=true", sample))["id"]!.GetValue<Guid>();
    }

    private static object SampleValue(JsonObject field) => field["type"]!.GetValue<string>() switch
    {
        "Integer" => 1,
        "Decimal" or "Money" => 1.5m,
        "Boolean" => true,
        "Date" => "2026-01-31",
        "DateTime" => "2026-01-31T08:00:00Z",
        "Choice" => field["choices"]![0]!.GetValue<string>(),
        "MultiChoice" => new[] { field["choices"]![0]!.GetValue<string>() },
        "Guid" => Guid.NewGuid(),
        _ => "sample",
    };

    /// <summary>One record per user, created by the administrator and assigned to that user (and their team).</summary>
    private async Task<Dictionary<string, Guid>> RecordsOfEachUserAsync(SetUnderTest set)
    {
        var records = new Dictionary<string, Guid>();
        foreach (var (name, user) in _users)
        {
            var id = (await _admin.CreateAsync($"{set.Route}?force=true", set.Sample))["id"]!.GetValue<Guid>(); // the records look alike on purpose
            if (set.Owned) (await _admin.PostAsJsonAsync($"{set.Route}/{id}/assign", new { ownerId = user.Id })).EnsureSuccessStatusCode();
            records[name] = id;
        }
        return records;
    }

    private async Task GrantAsync(SetUnderTest set, string privilege, string depth) =>
        (await _admin.PutAsJsonAsync("/api/roles/matrix/grants", new { permission = $"{set.Name}.{privilege}", depth })).EnsureSuccessStatusCode();
}
