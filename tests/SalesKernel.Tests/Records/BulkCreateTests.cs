using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Core.Records;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// A bulk create writes in batches (references checked together, audit and outbox rows in a few
/// statements, one SaveChanges per batch) and stays one all-or-nothing write with everything a single
/// create has: every record audited and evented, duplicates found within the request, post-operation
/// handlers run.
/// </summary>
public sealed class BulkCreateTests() : TenantHostTest([.. PluginFolder.Sales])
{
    private const string Customers = "/api/customers/customers";
    private const string FollowUps = "/api/customers/follow-ups";
    private const string Contacts = "/api/customers/contacts";

    private static int Count => RecordPipeline.BatchSize * 2 + 50; // three batches, the last one short

    private async Task<List<Guid>> CustomersAsync(int count)
    {
        var created = await _client.PostAsJsonAsync($"{Customers}/bulk", Enumerable.Range(0, count).Select(i => new { name = $"Bulk customer {i}", region = "East" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ObjectAsync())["ids"]!.AsArray().Select(i => i!.GetValue<Guid>()).ToList();
    }

    [Fact]
    public async Task Hundreds_of_records_in_batches_are_each_audited_and_evented_and_answered_in_order()
    {
        var customers = await CustomersAsync(7);
        using var counter = new SqlCommandCounter(_db);
        var sent = Enumerable.Range(0, Count).Select(i => new { customerId = customers[i % customers.Count], kind = "Call", atUtc = DateTime.UtcNow.AddMinutes(-i), outcome = $"Call {i}" }).ToList();
        var answer = await _client.PostAsJsonAsync($"{FollowUps}/bulk", sent);
        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var ids = (await answer.ObjectAsync())["ids"]!.AsArray().Select(i => i!.GetValue<Guid>()).ToList();
        Assert.Equal(Count, ids.Distinct().Count());
        var inserts = counter.Commands.Select(c => c.Replace("\"", "").Replace("[", "").Replace("]", "")).Count(c => c.StartsWith("INSERT INTO sk_audit") || c.StartsWith("INSERT INTO sk_outbox"));
        Assert.True(inserts is >= 1 and <= 12, $"{inserts} audit/outbox inserts of {counter.Commands.Count} commands: {string.Join(" | ", counter.Commands.Where(c => c.StartsWith("INSERT")).Select(c => c[..Math.Min(60, c.Length)]).Distinct())}"); // a few statements per batch, not one per record

        // in the order sent, each record with the values it was sent with
        var third = await _client.GetObjectAsync($"{FollowUps}/{ids[RecordPipeline.BatchSize + 3]}");
        Assert.Equal($"Call {RecordPipeline.BatchSize + 3}", third["outcome"]!.GetValue<string>());
        Assert.Equal(Count, (await _client.GetObjectAsync($"{FollowUps}?count=true&limit=1"))["total"]!.GetValue<int>());
        Assert.Equal((long)Count, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_audit WHERE \"EntitySet\" = 'customers.follow-ups' AND \"Operation\" = 'Create'")));
        Assert.Equal((long)Count, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"EntitySet\" = 'customers.follow-ups'")));
        var audit = (await _client.GetObjectAsync($"/api/audit?recordId={ids[^1]}"))["items"]!.AsArray();
        Assert.Contains(Assert.Single(audit)!["changes"]!.AsArray(), c => c!["field"]!.GetValue<string>() == "outcome" && c["after"]!.GetValue<string>() == $"Call {Count - 1}");
    }

    [Fact]
    public async Task A_reference_nobody_may_see_in_the_last_batch_undoes_the_whole_request()
    {
        var customers = await CustomersAsync(3);
        using var globex = await _host.TenantClientAsync("globex");
        var theirs = (await globex.CreateAsync(Customers, new { name = "Globex's own" }))["id"]!.GetValue<Guid>();
        var sent = Enumerable.Range(0, Count).Select(i => new { customerId = i == Count - 2 ? theirs : customers[i % 3], kind = "Visit", atUtc = DateTime.UtcNow }).ToList();
        var answer = await _client.PostAsJsonAsync($"{FollowUps}/bulk", sent);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal(0, (await _client.GetObjectAsync($"{FollowUps}?count=true&limit=1"))["total"]!.GetValue<int>());
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"EntitySet\" = 'customers.follow-ups'")));
    }

    [Fact]
    public async Task Duplicates_within_one_request_are_found_in_the_same_batch_and_across_batches()
    {
        var customer = (await CustomersAsync(1))[0];
        object Contact(int i, string? email = null) => new { customerId = customer, name = $"Contact {i}", email = email ?? $"c{i}@acme.cn" };

        var sameBatch = await _client.PostAsJsonAsync($"{Contacts}/bulk", new[] { Contact(0, "twin@acme.cn"), Contact(1), Contact(2, "TWIN@acme.cn") });
        Assert.Equal(HttpStatusCode.Conflict, sameBatch.StatusCode);
        var acrossBatches = await _client.PostAsJsonAsync($"{Contacts}/bulk",
            Enumerable.Range(0, RecordPipeline.BatchSize + 10).Select(i => Contact(i, i is 0 or 205 ? "again@acme.cn" : null)));
        Assert.Equal(HttpStatusCode.Conflict, acrossBatches.StatusCode);
        Assert.Equal(0, (await _client.GetObjectAsync($"{Contacts}?count=true&limit=1"))["total"]!.GetValue<int>());

        // the caller may write them anyway
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync($"{Contacts}/bulk?force=true", new[] { Contact(0, "twin@acme.cn"), Contact(2, "twin@acme.cn") })).StatusCode);

        // the same customer twice in one request
        var twice = await _client.PostAsJsonAsync($"{Customers}/bulk", new[] { new { name = "Twice Ltd", region = "North" }, new { name = "twice ltd", region = "North" } });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Post_operation_handlers_run_for_every_record_of_a_batch()
    {
        var leads = new List<Guid>();
        for (var i = 0; i < 3; i++) leads.Add((await _client.CreateAsync("/api/leads/leads", new { name = $"Lead {i}", company = $"Company {i}" }))["id"]!.GetValue<Guid>());
        var at = new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);
        var sent = Enumerable.Range(0, RecordPipeline.BatchSize + 1).Select(i => new { leadId = leads[i % 3], kind = "Call", atUtc = at.AddMinutes(i) });
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/leads/follow-ups/bulk", sent)).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            var lead = await _client.GetObjectAsync($"/api/leads/leads/{leads[i]}");
            var last = Enumerable.Range(0, RecordPipeline.BatchSize + 1).Where(n => n % 3 == i).Max();
            Assert.Equal(at.AddMinutes(last), lead["lastFollowUpAtUtc"]!.GetValue<DateTime>().ToUniversalTime());
            Assert.Equal("Contacted", lead["status"]!.GetValue<string>()); // the handler's transition ran too
        }
    }
}
