using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Sales;

/// <summary>
/// The stories a sales team lives every day, told through the API with the core sales plugins:
/// a team "Sales" (a manager and two reps) and a team "North" (one rep), in tenant "acme".
/// </summary>
public sealed class SalesStoryTests() : TenantHostTest(PluginFolder.Sales)
{
    private const string Leads = "/api/leads/leads";
    private const string Customers = "/api/customers/customers";
    private const string Opportunities = "/api/opportunities/opportunities";
    private const string Activities = "/api/activities/activities";

    private HttpClient _manager = null!, _rep = null!, _rep2 = null!, _northRep = null!;
    private string _repId = "", _rep2Id = "", _northRepId = "";
    private Guid _sales, _north;
    private HttpClient _admin => _client;

    // the idle-lead job every second, so a story need not wait an hour
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SalesKernel:Plugins:Settings:leads:IdleReturnCron"] = "* * * * * *",
        ["SalesKernel:Jobs:PollSeconds"] = "1",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _sales = (await _admin.CreateAsync("/api/teams", new { name = "Sales" }))["id"]!.GetValue<Guid>();
        _north = (await _admin.CreateAsync("/api/teams", new { name = "North" }))["id"]!.GetValue<Guid>();
        _manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager", _sales);
        _rep = await _host.AddUserAsync(_admin, "rep@acme.test", "sales-rep", _sales);
        _rep2 = await _host.AddUserAsync(_admin, "rep2@acme.test", "sales-rep", _sales);
        _northRep = await _host.AddUserAsync(_admin, "north@acme.test", "sales-rep", _north);
        _repId = await IdOfAsync(_rep);
        _rep2Id = await IdOfAsync(_rep2);
        _northRepId = await IdOfAsync(_northRep);
    }

    public override async Task DisposeAsync()
    {
        foreach (var client in new[] { _manager, _rep, _rep2, _northRep }) client.Dispose();
        await base.DisposeAsync();
    }

    private static async Task<string> IdOfAsync(HttpClient client) => (await client.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>();

    /// <summary>A new lead put in the company pool by the administrator.</summary>
    private async Task<Guid> PoolLeadAsync(string name, string company, object? extra = null)
    {
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(extra ?? new { }, KernelHost.Json))!.AsObject();
        body["name"] = name;
        body["company"] = company;
        var id = (await _admin.CreateAsync(Leads, body))["id"]!.GetValue<Guid>();
        var returned = await _admin.PostAsJsonAsync($"{Leads}/{id}/return", new { reason = "New lead for the pool" });
        Assert.Equal(HttpStatusCode.NoContent, returned.StatusCode);
        return id;
    }

    private static async Task<JsonObject> OkAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static Task<HttpResponseMessage> TransitionAsync(HttpClient client, string set, Guid id, string transition, string? comment = null, object? input = null) =>
        client.PostAsJsonAsync($"{set}/{id}/transitions/{transition}", new { comment, input });

    [Fact]
    public async Task A_rep_claims_a_lead_follows_it_up_converts_it_and_wins_the_opportunity()
    {
        var leadId = await PoolLeadAsync("Zhang Min", "Huaxin Trading", new { email = "zhang.min@huaxin.cn", phone = "+86 21 6666 0001", region = "East", industry = "Retail", estimatedAmount = 80000 });

        // the rep finds the lead in the pool and claims it
        var pool = await _rep.GetObjectAsync("/api/leads/pool");
        Assert.Contains(pool["items"]!.AsArray(), l => l!["id"]!.GetValue<Guid>() == leadId && l["returnReason"]!.GetValue<string>() == "New lead for the pool");
        var claimed = await OkAsync(_rep.PostAsync($"{Leads}/{leadId}/claim", null));
        Assert.Equal(_repId, claimed["ownerId"]!.GetValue<string>());
        Assert.Equal(_sales, claimed["teamId"]!.GetValue<Guid>());
        Assert.DoesNotContain((await _rep2.GetObjectAsync("/api/leads/pool"))["items"]!.AsArray(), l => l!["id"]!.GetValue<Guid>() == leadId);
        // a colleague who may not read the lead learns nothing of it (as for an id that does not exist); its holder is told it is not in the pool
        Assert.Equal(HttpStatusCode.NotFound, (await _rep2.PostAsync($"{Leads}/{leadId}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep2.PostAsync($"{Leads}/{Guid.NewGuid()}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _rep.PostAsync($"{Leads}/{leadId}/claim", null)).StatusCode);

        // a follow-up marks the lead contacted
        await _rep.CreateAsync("/api/leads/follow-ups", new { leadId, kind = "Call", atUtc = DateTime.UtcNow.AddMinutes(-5), outcome = "Interested in 200 units", nextStep = "Send a quote" });
        var lead = await _rep.GetObjectAsync($"{Leads}/{leadId}");
        Assert.Equal("Contacted", lead["status"]!.GetValue<string>());
        Assert.NotNull(lead["lastFollowUpAtUtc"]);

        // converting goes through the endpoint, which creates what a conversion needs
        await OkAsync(TransitionAsync(_rep, Leads, leadId, "qualify"));
        var bare = await TransitionAsync(_rep, Leads, leadId, "convert");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bare.StatusCode);
        Assert.Contains("/convert", (await bare.ObjectAsync())["detail"]!.GetValue<string>());
        var conversion = await OkAsync(_rep.PostAsJsonAsync($"{Leads}/{leadId}/convert", new { amount = 120000, expectedCloseDate = "2026-12-15" }));
        var customerId = conversion["customerId"]!.GetValue<Guid>();
        var opportunityId = conversion["opportunityId"]!.GetValue<Guid>();
        var customer = await _rep.GetObjectAsync($"{Customers}/{customerId}");
        Assert.Equal("Huaxin Trading", customer["name"]!.GetValue<string>());
        Assert.Equal(_repId, customer["ownerId"]!.GetValue<string>());
        var contact = await _rep.GetObjectAsync($"/api/customers/contacts/{conversion["contactId"]!.GetValue<Guid>()}");
        Assert.Equal("zhang.min@huaxin.cn", contact["email"]!.GetValue<string>());
        Assert.True(contact["isPrimary"]!.GetValue<bool>());
        lead = await _rep.GetObjectAsync($"{Leads}/{leadId}");
        Assert.Equal("Converted", lead["status"]!.GetValue<string>());
        Assert.Equal(customerId, lead["convertedCustomerId"]!.GetValue<Guid>());
        Assert.Equal(opportunityId, lead["convertedOpportunityId"]!.GetValue<Guid>());

        // the opportunity moves through its stages to won; each stage sets its probability
        var opportunity = await _rep.GetObjectAsync($"{Opportunities}/{opportunityId}");
        Assert.Equal(leadId, opportunity["leadId"]!.GetValue<Guid>());
        Assert.Equal(120000m, opportunity["amount"]!.GetValue<decimal>());
        Assert.Equal(10, opportunity["probability"]!.GetValue<int>());
        await OkAsync(TransitionAsync(_rep, Opportunities, opportunityId, "propose"));
        Assert.Equal(50, (await _rep.GetObjectAsync($"{Opportunities}/{opportunityId}"))["probability"]!.GetValue<int>());
        await OkAsync(TransitionAsync(_rep, Opportunities, opportunityId, "negotiate"));
        await OkAsync(TransitionAsync(_rep, Opportunities, opportunityId, "win"));
        opportunity = await _rep.GetObjectAsync($"{Opportunities}/{opportunityId}");
        Assert.Equal("Won", opportunity["stage"]!.GetValue<string>());
        Assert.Equal(100, opportunity["probability"]!.GetValue<int>());
        Assert.NotNull(opportunity["closedAtUtc"]);

        // every step is in the audit, under the rep's name
        var audit = (await _admin.GetObjectAsync($"/api/audit?entity=leads.leads&recordId={leadId}&limit=100"))["items"]!.AsArray();
        Assert.True(audit.Count(e => e!["userId"]?.GetValue<string>() == _repId) >= 4, audit.ToJsonString());
    }

    [Fact]
    public async Task Converting_a_lead_of_a_known_company_is_caught_as_a_duplicate_and_can_join_the_existing_customer()
    {
        var existing = (await _rep.CreateAsync(Customers, new { name = "Delta Foods", region = "East" }))["id"]!.GetValue<Guid>();
        var leadId = (await _rep.CreateAsync(Leads, new { name = "Wang Fang", company = "Delta Foods", region = "East" }))["id"]!.GetValue<Guid>();
        await OkAsync(TransitionAsync(_rep, Leads, leadId, "qualify"));

        var duplicate = await _rep.PostAsJsonAsync($"{Leads}/{leadId}/convert", new { });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal([existing], (await duplicate.ObjectAsync())["candidates"]!.AsArray().Select(c => c!.GetValue<Guid>()));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM opportunities_opportunity"))); // nothing half-written
        Assert.Equal("Qualified", (await _rep.GetObjectAsync($"{Leads}/{leadId}"))["status"]!.GetValue<string>());

        var joined = await OkAsync(_rep.PostAsJsonAsync($"{Leads}/{leadId}/convert", new { customerId = existing, opportunityName = "Delta Foods: cold chain" }));
        Assert.Equal(existing, joined["customerId"]!.GetValue<Guid>());
        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task A_rep_holds_no_more_leads_than_the_tenant_allows_and_only_administrators_change_the_rule()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 100, idleDaysBeforeReturn = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 0, idleDaysBeforeReturn = 30 })).StatusCode);
        await OkAsync(_admin.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 1, idleDaysBeforeReturn = 30 }));
        Assert.Equal(1, (await _rep.GetObjectAsync("/api/leads/pool/settings"))["maxLeadsPerRep"]!.GetValue<int>());

        var first = await PoolLeadAsync("Chen Jie", "Orient Tools");
        var second = await PoolLeadAsync("Liu Yang", "Pearl Textiles");
        await OkAsync(_rep.PostAsync($"{Leads}/{first}/claim", null));
        var capped = await _rep.PostAsync($"{Leads}/{second}/claim", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, capped.StatusCode);
        Assert.Equal("leads.claim-cap", (await capped.ObjectAsync())["rule"]!.GetValue<string>());

        // giving one back (with a reason) makes room; the lead waits in the pool with the reason
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.PostAsJsonAsync($"{Leads}/{first}/return", new { reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep2.PostAsJsonAsync($"{Leads}/{first}/return", new { reason = "not mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _rep.PostAsJsonAsync($"{Leads}/{first}/return", new { reason = "Budget frozen until next year" })).StatusCode);
        Assert.Contains((await _rep2.GetObjectAsync("/api/leads/pool"))["items"]!.AsArray(),
            l => l!["id"]!.GetValue<Guid>() == first && l["returnReason"]!.GetValue<string>() == "Budget frozen until next year");
        await OkAsync(_rep.PostAsync($"{Leads}/{second}/claim", null));
    }

    [Fact]
    public async Task Claims_returns_assignments_and_shares_are_audited_with_the_owner_before_and_after()
    {
        var leadId = await PoolLeadAsync("Qian Hui", "Jade River Foods");
        await OkAsync(_rep.PostAsync($"{Leads}/{leadId}/claim", null));
        Assert.Equal(HttpStatusCode.NoContent, (await _rep.PostAsJsonAsync($"{Leads}/{leadId}/return", new { reason = "Not my region" })).StatusCode);
        await OkAsync(_manager.PostAsJsonAsync($"/api/leads/pool/{leadId}/assign", new { ownerId = _rep2Id }));
        Assert.Equal(HttpStatusCode.NoContent, (await _manager.PostAsJsonAsync($"{Leads}/{leadId}/share", new { userId = _repId })).StatusCode);

        var items = (await _admin.GetObjectAsync($"/api/audit?entity=leads.leads&recordId={leadId}&limit=100"))["items"]!.AsArray();
        // no row of the audit says nothing
        Assert.All(items, i => Assert.NotEmpty(i!["changes"]!.AsArray()));
        var owners = items.Reverse().Select(i => i!["changes"]!.AsArray().FirstOrDefault(c => c!["field"]!.GetValue<string>() == "ownerId"))
            .Where(c => c is not null).Select(c => (Before: c!["before"]?.GetValue<string>(), After: c["after"]?.GetValue<string>())).ToList();
        var admin = (await _admin.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>();
        // created by the administrator, put in the pool, claimed by the rep, returned, handed to the second rep
        Assert.Equal([(null, admin), (admin, null), (null, _repId), (_repId, null), (null, _rep2Id)], owners);
        var claim = items.First(i => i!["changes"]!.AsArray().Any(c => c!["field"]!.GetValue<string>() == "ownerId" && c["after"]?.GetValue<string>() == _repId))!;
        Assert.Equal(_repId, claim["userId"]!.GetValue<string>());
        Assert.Contains(claim["changes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "teamId" && c["after"]!.GetValue<Guid>() == _sales);
        var share = Assert.Single(items, i => i!["operation"]!.GetValue<string>() == "Share")!;
        Assert.Equal(_repId, share["changes"]![0]!["after"]!.GetValue<string>());
    }

    [Fact]
    public async Task Claims_made_at_the_same_moment_do_not_pass_the_cap()
    {
        await OkAsync(_admin.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 3, idleDaysBeforeReturn = 30 }));
        var leads = new List<Guid>();
        for (var i = 0; i < 6; i++) leads.Add(await PoolLeadAsync($"Rush {i}", $"Rush Co {i}"));
        var answers = await Task.WhenAll(leads.Select(id => _rep.PostAsync($"{Leads}/{id}/claim", null)));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.UnprocessableEntity));
        Assert.Equal(3L, Convert.ToInt64(await _db.ScalarAsync($"SELECT COUNT(*) FROM leads_lead WHERE \"OwnerId\" = '{_repId}'")));
    }

    [Fact]
    public async Task Follow_ups_are_logged_by_who_works_the_lead_and_not_in_the_future()
    {
        var leadId = (await _rep.CreateAsync(Leads, new { name = "Feng Qi", company = "Lotus Optics" }))["id"]!.GetValue<Guid>();
        var future = await _rep.PostAsJsonAsync("/api/leads/follow-ups", new { leadId, kind = "Call", atUtc = DateTime.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("atUtc", (await future.ObjectAsync())["errors"]!.AsObject().Select(e => e.Key));
        // a colleague the lead is shared with reads it, but does not keep it alive
        Assert.Equal(HttpStatusCode.NoContent, (await _manager.PostAsJsonAsync($"{Leads}/{leadId}/share", new { userId = _rep2Id })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _rep2.GetAsync($"{Leads}/{leadId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep2.PostAsJsonAsync("/api/leads/follow-ups", new { leadId, kind = "Call", atUtc = DateTime.UtcNow })).StatusCode);
        Assert.Equal("New", (await _rep.GetObjectAsync($"{Leads}/{leadId}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_pools_per_team_a_returned_lead_waits_for_its_own_team()
    {
        await OkAsync(_admin.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 50, idleDaysBeforeReturn = 30, poolPerTeam = true }));
        var leadId = (await _rep.CreateAsync(Leads, new { name = "Gao Yan", company = "Harbor Ceramics" }))["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.NoContent, (await _rep.PostAsJsonAsync($"{Leads}/{leadId}/return", new { reason = "Wrong region for me" })).StatusCode);

        static bool Lists(JsonObject pool, Guid id) => pool["items"]!.AsArray().Any(l => l!["id"]!.GetValue<Guid>() == id);
        var waiting = Assert.Single((await _rep2.GetObjectAsync("/api/leads/pool"))["items"]!.AsArray(), l => l!["id"]!.GetValue<Guid>() == leadId)!;
        Assert.Equal(_sales, waiting["poolTeamId"]!.GetValue<Guid>());
        Assert.True(Lists(await _manager.GetObjectAsync("/api/leads/pool"), leadId));
        Assert.False(Lists(await _northRep.GetObjectAsync("/api/leads/pool"), leadId));
        Assert.Equal(HttpStatusCode.NotFound, (await _northRep.PostAsync($"{Leads}/{leadId}/claim", null)).StatusCode);
        Assert.True(Lists(await _admin.GetObjectAsync("/api/leads/pool"), leadId));
        await OkAsync(_rep2.PostAsync($"{Leads}/{leadId}/claim", null));
    }

    [Fact]
    public async Task A_manager_hands_a_pool_lead_to_a_rep_of_the_team_but_not_to_another_team()
    {
        var leadId = await PoolLeadAsync("Zhao Lei", "Summit Logistics");
        Assert.Equal(HttpStatusCode.Forbidden, (await _rep.PostAsJsonAsync($"/api/leads/pool/{leadId}/assign", new { ownerId = _rep2Id })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _manager.PostAsJsonAsync($"/api/leads/pool/{leadId}/assign", new { ownerId = _northRepId })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _manager.PostAsJsonAsync($"/api/leads/pool/{leadId}/assign", new { ownerId = _rep2Id, teamId = _north })).StatusCode);
        var assigned = await OkAsync(_manager.PostAsJsonAsync($"/api/leads/pool/{leadId}/assign", new { ownerId = _rep2Id }));
        Assert.Equal(_rep2Id, assigned["ownerId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await _rep2.GetAsync($"{Leads}/{leadId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.GetAsync($"{Leads}/{leadId}")).StatusCode);
    }

    [Fact]
    public async Task An_idle_lead_goes_back_to_the_pool_by_itself()
    {
        await OkAsync(_admin.PutAsJsonAsync("/api/leads/pool/settings", new { maxLeadsPerRep = 50, idleDaysBeforeReturn = 7 }));
        var idle = await PoolLeadAsync("Sun Hao", "Bright Solar");
        var busy = await PoolLeadAsync("Ma Lin", "Jade Pharma");
        await OkAsync(_rep.PostAsync($"{Leads}/{idle}/claim", null));
        await OkAsync(_rep.PostAsync($"{Leads}/{busy}/claim", null));
        await _rep.CreateAsync("/api/leads/follow-ups", new { leadId = busy, kind = "Visit", atUtc = DateTime.UtcNow.AddDays(-1) });
        // the first lead came eight days ago, was claimed and called then, and never again
        Assert.Equal(1, await _db.ExecuteAsync("UPDATE leads_lead SET \"ClaimedAtUtc\" = @at, \"LastFollowUpAtUtc\" = @at, \"CreatedAtUtc\" = @at WHERE \"Id\" = @id",
            ("at", DateTime.SpecifyKind(DateTime.UtcNow.AddDays(-8), DateTimeKind.Utc)), ("id", _db.Provider != "Sqlite" ? idle : idle.ToString().ToUpperInvariant())));

        JsonObject lead = [];
        for (var i = 0; i < 100; i++)
        {
            lead = await _admin.GetObjectAsync($"{Leads}/{idle}");
            if (lead["ownerId"] is null) break;
            await Task.Delay(100);
        }
        Assert.Null(lead["ownerId"]);
        Assert.Equal("No follow-up for 7 days", lead["returnReason"]!.GetValue<string>());
        Assert.Contains((await _rep2.GetObjectAsync("/api/leads/pool"))["items"]!.AsArray(), l => l!["id"]!.GetValue<Guid>() == idle);
        Assert.Equal(_repId, (await _rep.GetObjectAsync($"{Leads}/{busy}"))["ownerId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.GetAsync($"{Leads}/{idle}")).StatusCode);

        // claimed again, it is fresh: its old follow-up does not send it straight back
        await OkAsync(_rep2.PostAsync($"{Leads}/{idle}/claim", null));
        var runs = Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_job_run"));
        for (var i = 0; i < 100 && Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_job_run")) < runs + 2; i++) await Task.Delay(100);
        Assert.Equal(_rep2Id, (await _rep2.GetObjectAsync($"{Leads}/{idle}"))["ownerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_rep_cannot_see_or_use_another_reps_customers_and_their_manager_sees_both()
    {
        var mine = (await _rep.CreateAsync(Customers, new { name = "Golden Harvest", region = "East" }))["id"]!.GetValue<Guid>();
        var theirs = (await _rep2.CreateAsync(Customers, new { name = "Silver Lake", region = "East" }))["id"]!.GetValue<Guid>();

        var listed = (await _rep.GetObjectAsync(Customers))["items"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()).ToList();
        Assert.Equal([mine], listed);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.GetAsync($"{Customers}/{theirs}")).StatusCode);
        // nor can the rep hang records on it: what they cannot see does not exist for them
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.PostAsJsonAsync(Opportunities, new { name = "Sneaky", customerId = theirs, amount = 1000 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.PostAsJsonAsync(Activities, new { subject = "Call", entitySet = "customers.customers", recordId = theirs })).StatusCode);

        // the duplicate rule looks company-wide, but does not hand the rep the colleague's record
        var duplicate = await _rep.PostAsJsonAsync(Customers, new { name = "Silver Lake", region = "East" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var problem = await duplicate.ObjectAsync();
        Assert.Empty(problem["candidates"]!.AsArray());
        Assert.Contains("held by a colleague", problem["detail"]!.GetValue<string>());

        var managed = (await _manager.GetObjectAsync(Customers))["items"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()).ToHashSet();
        Assert.Equal([mine, theirs], managed);
        Assert.Empty((await _northRep.GetObjectAsync(Customers))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_manager_sees_the_teams_weighted_forecast_and_a_rep_only_their_own()
    {
        var customer = (await _rep.CreateAsync(Customers, new { name = "Forecast Co" }))["id"]!.GetValue<Guid>();
        var customer2 = (await _rep2.CreateAsync(Customers, new { name = "Forecast Two" }))["id"]!.GetValue<Guid>();
        var northCustomer = (await _northRep.CreateAsync(Customers, new { name = "North Star" }))["id"]!.GetValue<Guid>();
        await _rep.CreateAsync(Opportunities, new { name = "A", customerId = customer, amount = 100000, expectedCloseDate = "2027-01-10" });
        var b = (await _rep.CreateAsync(Opportunities, new { name = "B", customerId = customer, amount = 200000, expectedCloseDate = "2027-01-20" }))["id"]!.GetValue<Guid>();
        await OkAsync(TransitionAsync(_rep, Opportunities, b, "propose"));
        var c = (await _rep2.CreateAsync(Opportunities, new { name = "C", customerId = customer2, amount = 50000, expectedCloseDate = "2027-02-05" }))["id"]!.GetValue<Guid>();
        await OkAsync(TransitionAsync(_rep2, Opportunities, c, "win"));
        var lost = (await _rep2.CreateAsync(Opportunities, new { name = "D", customerId = customer2, amount = 900000, expectedCloseDate = "2027-02-06" }))["id"]!.GetValue<Guid>();
        // losing asks why, as a comment and a reason code, and who won when a competitor did: every error at once
        var unexplained = await TransitionAsync(_rep2, Opportunities, lost, "lose", input: new { reason = "Competitor" });
        Assert.Equal(HttpStatusCode.BadRequest, unexplained.StatusCode);
        var errors = (await unexplained.ObjectAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("comment") && errors.ContainsKey("input.competitor"), errors.ToJsonString());
        Assert.True((await (await TransitionAsync(_rep2, Opportunities, lost, "lose", "why")).ObjectAsync())["errors"]!.AsObject().ContainsKey("input.reason"));
        await OkAsync(TransitionAsync(_rep2, Opportunities, lost, "lose", "Price: a competitor was 20% cheaper", new { reason = "Competitor", competitor = "Kingdee" }));
        var lostOne = await _rep2.GetObjectAsync($"{Opportunities}/{lost}");
        Assert.Equal("Price: a competitor was 20% cheaper", lostOne["lostReason"]!.GetValue<string>());
        Assert.Equal("Competitor", lostOne["lossReason"]!.GetValue<string>());
        Assert.Equal("Kingdee", lostOne["lostToCompetitor"]!.GetValue<string>());
        await _northRep.CreateAsync(Opportunities, new { name = "E", customerId = northCustomer, amount = 70000, expectedCloseDate = "2027-01-15" });

        var team = await _manager.GetObjectAsync("/api/opportunities/forecast?from=2027-01-01&to=2027-03-31&by=owner");
        var lines = team["lines"]!.AsArray();
        var rep1Jan = Assert.Single(lines, l => l!["period"]!.GetValue<string>() == "2027-01" && l["ownerId"]!.GetValue<string>() == _repId)!;
        Assert.Equal(2, rep1Jan["count"]!.GetValue<int>());
        Assert.Equal(300000m, rep1Jan["pipeline"]!.GetValue<decimal>());
        Assert.Equal(110000m, rep1Jan["weighted"]!.GetValue<decimal>()); // 10% of 100,000 + 50% of 200,000
        var rep2Feb = Assert.Single(lines, l => l!["period"]!.GetValue<string>() == "2027-02" && l["ownerId"]!.GetValue<string>() == _rep2Id)!;
        Assert.Equal(50000m, rep2Feb["won"]!.GetValue<decimal>());
        Assert.Equal(50000m, rep2Feb["forecast"]!.GetValue<decimal>()); // the lost one counts for nothing
        Assert.DoesNotContain(lines, l => l!["ownerId"]!.GetValue<string>() == _northRepId);
        Assert.Equal(160000m, team["total"]!["forecast"]!.GetValue<decimal>());

        var byTeam = await _manager.GetObjectAsync("/api/opportunities/forecast?from=2027-01-01&to=2027-03-31&by=team");
        Assert.All(byTeam["lines"]!.AsArray(), l => Assert.Equal(_sales, l!["teamId"]!.GetValue<Guid>()));
        Assert.Equal(160000m, byTeam["total"]!["forecast"]!.GetValue<decimal>());
        var quarter = await _manager.GetObjectAsync("/api/opportunities/forecast?from=2027-01-01&to=2027-03-31&period=quarter");
        Assert.Equal("2027-Q1", Assert.Single(quarter["lines"]!.AsArray())!["period"]!.GetValue<string>());
        var own = await _rep.GetObjectAsync("/api/opportunities/forecast?from=2027-01-01&to=2027-03-31");
        Assert.Equal(110000m, own["total"]!["forecast"]!.GetValue<decimal>());
        Assert.Equal("CNY", own["total"]!["currency"]!.GetValue<string>());

        // amounts in another currency are never added to yuan: a line and a total of their own, summed exactly
        foreach (var amount in new[] { 0.10m, 0.20m, 333.33m })
            await _rep.CreateAsync(Opportunities, new { name = $"USD {amount}", customerId = customer, amount, currency = "USD", expectedCloseDate = "2027-01-25" });
        var mixed = await _rep.GetObjectAsync("/api/opportunities/forecast?from=2027-01-01&to=2027-03-31");
        Assert.Equal(110000m, mixed["total"]!["forecast"]!.GetValue<decimal>());
        var dollars = Assert.Single(mixed["totals"]!.AsArray(), t => t!["currency"]!.GetValue<string>() == "USD")!;
        Assert.Equal(333.63m, dollars["pipeline"]!.GetValue<decimal>());
        Assert.Equal(33.36m, dollars["weighted"]!.GetValue<decimal>()); // 10% of 333.63, to the cent
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.PostAsJsonAsync(Opportunities, new { name = "Bad", customerId = customer, amount = 1.005m })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.PostAsJsonAsync(Opportunities, new { name = "Bad", customerId = customer, amount = 1, currency = "RMB" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.GetAsync("/api/opportunities/forecast?period=week")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.GetAsync("/api/opportunities/forecast?from=2027-13-01")).StatusCode);
    }

    [Fact]
    public async Task Opportunities_whose_follow_up_is_late_are_listed_most_overdue_first()
    {
        var customer = (await _rep.CreateAsync(Customers, new { name = "Late Co" }))["id"]!.GetValue<Guid>();
        var late = (await _rep.CreateAsync(Opportunities, new { name = "Late", customerId = customer, amount = 1000, nextFollowUpAtUtc = DateTime.UtcNow.AddDays(-3) }))["id"]!.GetValue<Guid>();
        var later = (await _rep.CreateAsync(Opportunities, new { name = "Later", customerId = customer, amount = 1000, nextFollowUpAtUtc = DateTime.UtcNow.AddDays(-1) }))["id"]!.GetValue<Guid>();
        await _rep.CreateAsync(Opportunities, new { name = "Not yet", customerId = customer, amount = 1000, nextFollowUpAtUtc = DateTime.UtcNow.AddDays(2) });
        var won = (await _rep.CreateAsync(Opportunities, new { name = "Won", customerId = customer, amount = 1000, nextFollowUpAtUtc = DateTime.UtcNow.AddDays(-5) }))["id"]!.GetValue<Guid>();
        await OkAsync(TransitionAsync(_rep, Opportunities, won, "win"));

        var first = await _rep.GetObjectAsync("/api/opportunities/overdue-follow-ups?limit=1");
        Assert.Equal(late, Assert.Single(first["items"]!.AsArray())!["id"]!.GetValue<Guid>());
        Assert.Equal(3, first["items"]![0]!["daysOverdue"]!.GetValue<int>());
        var second = await _rep.GetObjectAsync($"/api/opportunities/overdue-follow-ups?limit=1&cursor={first["nextCursor"]!.GetValue<string>()}");
        Assert.Equal(later, Assert.Single(second["items"]!.AsArray())!["id"]!.GetValue<Guid>());
        Assert.Null(second["nextCursor"]);
        Assert.Empty((await _rep2.GetObjectAsync("/api/opportunities/overdue-follow-ups"))["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.GetAsync("/api/opportunities/overdue-follow-ups?cursor=nonsense")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.GetAsync("/api/opportunities/overdue-follow-ups?cursor=bnVsbA")).StatusCode); // JSON null
    }

    [Fact]
    public async Task My_day_lists_the_callers_overdue_and_due_tasks_on_any_record()
    {
        var customer = (await _rep.CreateAsync(Customers, new { name = "Task Co" }))["id"]!.GetValue<Guid>();
        var now = DateTime.UtcNow;
        var overdue = (await _rep.CreateAsync(Activities, new { subject = "Send the contract", entitySet = "customers.customers", recordId = customer, dueAtUtc = now.AddHours(-2) }))["id"]!.GetValue<Guid>();
        var endOfDay = now.Date.AddDays(1);
        var dueSoon = (await _rep.CreateAsync(Activities, new { subject = "Call back", kind = "Reminder", dueAtUtc = now.AddMinutes(Math.Min(30, (endOfDay - now).TotalMinutes / 2)) }))["id"]!.GetValue<Guid>();
        await _rep.CreateAsync(Activities, new { subject = "Next week", dueAtUtc = now.AddDays(7) });
        await _rep2.CreateAsync(Activities, new { subject = "Someone else's", dueAtUtc = now.AddHours(-1) });

        var day = await _rep.GetObjectAsync("/api/activities/my-day");
        Assert.Equal([overdue], day["overdue"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()));
        Assert.Equal("customers.customers", day["overdue"]![0]!["entitySet"]!.GetValue<string>());
        Assert.Equal([dueSoon], day["dueToday"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()));

        await OkAsync(_rep.PostAsync($"{Activities}/{overdue}/complete", null));
        Assert.Empty((await _rep.GetObjectAsync("/api/activities/my-day"))["overdue"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await _rep2.PostAsync($"{Activities}/{dueSoon}/complete", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.GetAsync("/api/activities/my-day?tz=Mars/Olympus")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _rep.GetAsync("/api/activities/my-day?tz=Asia/Shanghai")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _rep.PostAsJsonAsync(Activities, new { subject = "Half a link", entitySet = "customers.customers" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _rep.PostAsJsonAsync(Activities, new { subject = "No such set", entitySet = "nothing.here", recordId = Guid.NewGuid() })).StatusCode);
    }
}
