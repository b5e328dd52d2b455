using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>
    /// Every permission a plugin declared (not bound to an entity set) is granted and taken away per
    /// role at run time, shows in what the caller may do, and the plugin's own check follows it.
    /// </summary>
    [Fact]
    public async Task Every_plugin_permission_is_granted_per_role_and_checked_by_its_plugin()
    {
        (await _admin.PostAsJsonAsync("/api/roles", new { code = "matrix", name = "Matrix" })).EnsureSuccessStatusCode();
        (await _admin.PutAsJsonAsync($"/api/users/{_users["actor"].Id}/roles", new { roles = new[] { "matrix" } })).EnsureSuccessStatusCode();
        using var actor = await _host.SignedInClientAsync("actor@acme.test", KernelHost.TenantPassword);
        async Task<bool> HasAsync(string permission) =>
            (await actor.GetObjectAsync("/api/access/mine"))["grants"]!.AsArray().Any(g => g!["permission"]!.GetValue<string>() == permission);

        var permissions = (await _admin.GetFromJsonAsync<JsonArray>("/api/roles/matrix/grants"))!
            .Where(g => g!["entitySet"] is null).Select(g => g!["permission"]!.GetValue<string>()).ToList();
        Assert.Contains("credit.limits.approve", permissions);
        foreach (var permission in permissions)
        {
            Assert.False(await HasAsync(permission), $"{permission} before it was granted");
            (await _admin.PutAsJsonAsync("/api/roles/matrix/grants", new { permission, depth = "Tenant" })).EnsureSuccessStatusCode();
            Assert.True(await HasAsync(permission), $"{permission} once granted");
            Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsJsonAsync("/api/roles/matrix/grants", new { permission, depth = "Own" })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await actor.PostAsync("/api/credit/limits/approve", null)).StatusCode);
        (await _admin.PutAsJsonAsync("/api/roles/matrix/grants", new { permission = "credit.limits.approve", depth = "None" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Forbidden, (await actor.PostAsync("/api/credit/limits/approve", null)).StatusCode);
        Assert.False(await HasAsync("credit.limits.approve"));

        // the plugin's defaults: managers have it, reps do not, administrators always
        foreach (var (role, expected) in new[] { ("sales-manager", HttpStatusCode.OK), ("sales-rep", HttpStatusCode.Forbidden) })
        {
            (await _admin.PutAsJsonAsync($"/api/users/{_users["actor"].Id}/roles", new { roles = new[] { role } })).EnsureSuccessStatusCode();
            using var member = await _host.SignedInClientAsync("actor@acme.test", KernelHost.TenantPassword);
            Assert.True(expected == (await member.PostAsync("/api/credit/limits/approve", null)).StatusCode, role);
        }
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync("/api/credit/limits/approve", null)).StatusCode);
    }

    /// <summary>
    /// Every endpoint of every plugin that takes a record id — the generic ones and each plugin's own
    /// (claim, convert, complete, promote …) — answers a record the caller may not read exactly as it
    /// answers an id that does not exist: the answer never tells that the record is there.
    /// </summary>
    [Theory]
    [InlineData("sales-rep")]
    [InlineData("sales-manager")]
    public async Task Every_endpoint_that_takes_an_id_answers_an_unreadable_record_as_a_missing_one(string role)
    {
        // a rep reads only their own records, a manager their team's and below: the stranger's team is neither
        (await _admin.PutAsJsonAsync($"/api/users/{_users["actor"].Id}/roles", new { roles = new[] { role } })).EnsureSuccessStatusCode();
        using var actor = await _host.SignedInClientAsync("actor@acme.test", KernelHost.TenantPassword);
        var actorId = _users["actor"].Id;

        // one record of every owned set, held by a user of another team
        var meta = await _admin.GetObjectAsync("/api/meta");
        var unreadable = new Dictionary<string, Guid>();
        foreach (var set in meta["entitySets"]!.AsArray().Select(s => s!.AsObject()).Where(s => s["owned"]!.GetValue<bool>()))
        {
            if (!set["endpoints"]!.AsArray().Any(e => e!.GetValue<string>() == "Create")) continue;
            var id = await SampleRecords.ReferencedAsync(_admin, meta, set["name"]!.GetValue<string>());
            (await _admin.PostAsJsonAsync($"{set["route"]}/{id}/assign", new { ownerId = _users["stranger"].Id })).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.NotFound, (await actor.GetAsync($"{set["route"]}/{id}")).StatusCode);
            unreadable[set["name"]!.GetValue<string>()] = id;
        }
        Assert.Contains("leads.leads", unreadable.Keys);
        var transitions = meta["entitySets"]!.AsArray().SelectMany(s => s!["stateMachine"]?["transitions"]?.AsArray().Select(t => t!["name"]!.GetValue<string>()) ?? [])
            .Distinct().ToList();

        var plugins = meta["entitySets"]!.AsArray().Select(s => s!["plugin"]!.GetValue<string>()).ToHashSet();
        var endpoints = _host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.GetParameter("id") is not null && plugins.Any(p => e.RoutePattern.RawText!.StartsWith($"/api/{p}/")))
            .ToList();
        var own = endpoints.Where(e => !e.RoutePattern.RawText!.Contains("{id:guid}/transitions") && !e.RoutePattern.RawText!.Contains("{id:guid}/share")
            && !e.RoutePattern.RawText!.Contains("{id:guid}/assign") && !e.RoutePattern.RawText!.Contains("{id:guid}/history")).ToList();
        Assert.True(own.Count >= 10, $"{own.Count} endpoints with an id");

        var failures = new List<string>();
        var checks = 0;
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var body = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType is { } type
                && type != typeof(Dictionary<string, object?>) && type != typeof(List<Dictionary<string, object?>>)
                ? PlausibleBody(type, actorId) : "{}";
            var pattern = endpoint.RoutePattern.RawText!;
            foreach (var method in methods)
                foreach (var transition in pattern.Contains("{transition}") ? transitions : [""])
                    foreach (var (set, id) in unreadable)
                    {
                        string Url(Guid recordId) => pattern.Replace("{id:guid}", recordId.ToString()).Replace("{transition}", transition)
                            .Replace("{userId}", actorId.ToString());
                        async Task<HttpResponseMessage> SendAsync(Guid recordId)
                        {
                            var request = new HttpRequestMessage(new HttpMethod(method), Url(recordId));
                            if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                            return await actor.SendAsync(request);
                        }
                        var missing = await SendAsync(Guid.NewGuid());
                        var hidden = await SendAsync(id);
                        checks++;
                        if (hidden.StatusCode != missing.StatusCode || (int)hidden.StatusCode < 400)
                            failures.Add($"{method} {pattern.Replace("{transition}", transition)} with {set}'s record: {(int)hidden.StatusCode}, with a missing id: {(int)missing.StatusCode} — {await hidden.Content.ReadAsStringAsync()}");
                    }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checks}:\n" + string.Join("\n", failures.Take(30)));
    }

    /// <summary>A body of the request type that passes its own checks where it can: the caller as the user, sample values otherwise.</summary>
    private static string PlausibleBody(Type type, Guid self)
    {
        var body = new JsonObject();
        foreach (var property in type.GetProperties())
        {
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var name = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            JsonNode? value = name.EndsWith("UserId", StringComparison.OrdinalIgnoreCase) || name == "ownerId" || name == "userId" ? JsonValue.Create(self.ToString())
                : t == typeof(string) ? "Probe reason"
                : t == typeof(Guid) ? Guid.NewGuid().ToString()
                : t == typeof(int) || t == typeof(long) || t == typeof(decimal) || t == typeof(double) ? 1
                : t == typeof(bool) ? false
                : t == typeof(DateOnly) ? DateTime.UtcNow.ToString("yyyy-MM-dd")
                : t == typeof(DateTime) || t == typeof(DateTimeOffset) ? DateTime.UtcNow.AddHours(-1).ToString("O")
                : t.IsEnum ? Enum.GetNames(t)[0]
                : null;
            if (value is not null) body[name] = value;
        }
        return body.ToJsonString();
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
            var fields = SampleRecords.WritableFields(set);
            var changeable = fields.FirstOrDefault(f => f["type"]!.GetValue<string>() == "Text" && f["referenceTo"] is null) ?? fields.First();
            result.Add(new SetUnderTest(set["name"]!.GetValue<string>(), set["route"]!.GetValue<string>(), set["owned"]!.GetValue<bool>(),
                await SampleRecords.RequiredAsync(_admin, meta, set),
                new Dictionary<string, object> { [changeable["name"]!.GetValue<string>()] = SampleRecords.Value(changeable) }));
        }
        return result;
    }

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
