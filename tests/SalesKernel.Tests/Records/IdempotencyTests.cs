using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// Idempotency-Key: a retried write gets the first answer and writes nothing; the key is bound in the
/// write's own transaction, so a write that failed leaves it free; keys are a tenant's and expire.
/// </summary>
public sealed class IdempotencyTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Url = "/api/customers/customers";

    private static HttpRequestMessage Post(string key, object body, string url = Url) =>
        new(HttpMethod.Post, url) { Content = JsonContent.Create(body), Headers = { { "Idempotency-Key", key } } };

    private async Task<long> CountAsync(string name) =>
        Convert.ToInt64(await _db.ScalarAsync($"SELECT COUNT(*) FROM customers_customer WHERE \"Name\" = '{name}'"));

    [Fact]
    public async Task A_create_retried_with_its_key_gets_the_first_answer_and_writes_nothing()
    {
        var body = new { name = "Idem Trading", region = "East" };
        using var first = await _client.SendAsync(Post("key-create-1", body));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.ObjectAsync();
        using var retry = await _client.SendAsync(Post("key-create-1", body));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(created.ToJsonString(), (await retry.ObjectAsync()).ToJsonString());
        Assert.Equal(1, await CountAsync("Idem Trading"));
        // without a key, the same body is a new request (the duplicate rule answers it)
        using var again = await _client.PostAsJsonAsync(Url, body);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task The_same_key_for_another_request_is_refused_and_keys_are_each_tenants_own()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAsync(Post("key-shared", new { name = "Idem Foods" }))).StatusCode);
        using var other = await _client.SendAsync(Post("key-shared", new { name = "Idem Foods 2" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("another request", (await other.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(0, await CountAsync("Idem Foods 2"));
        // another tenant's key of the same text is its own
        using var globex = await _host.TenantClientAsync("globex");
        Assert.Equal(HttpStatusCode.Created, (await globex.SendAsync(Post("key-shared", new { name = "Idem Foods" }))).StatusCode);
        Assert.Equal(2, await CountAsync("Idem Foods"));
        // a key that is not visible ASCII is refused plainly
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.SendAsync(Post(new string('k', 256), new { name = "Idem Long" }))).StatusCode);
    }

    [Fact]
    public async Task A_write_that_failed_leaves_its_key_free_for_the_corrected_request()
    {
        using var invalid = await _client.SendAsync(Post("key-fix", new { region = "East" })); // no name
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using var fixedUp = await _client.SendAsync(Post("key-fix", new { name = "Idem Fixed", region = "East" }));
        Assert.Equal(HttpStatusCode.Created, fixedUp.StatusCode);
        Assert.False(fixedUp.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CountAsync("Idem Fixed"));
    }

    [Fact]
    public async Task Requests_sent_at_once_with_one_key_write_once()
    {
        var body = new { name = "Idem Parallel", region = "West" };
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.SendAsync(Post("key-parallel", body))));
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Equal(1, await CountAsync("Idem Parallel"));
        var id = (await answers.First(a => a.StatusCode == HttpStatusCode.Created).ObjectAsync())["id"]!.GetValue<Guid>();
        using var retry = await _client.SendAsync(Post("key-parallel", body));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(id, (await retry.ObjectAsync())["id"]!.GetValue<Guid>());
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task An_update_retried_with_its_key_is_answered_again_instead_of_refused_as_stale()
    {
        var created = await _client.CreateAsync(Url, new { name = "Idem Update", region = "East" });
        var url = $"{Url}/{created["id"]}";
        HttpRequestMessage Patch() => new(HttpMethod.Patch, url)
        {
            Content = JsonContent.Create(new { region = "North" }),
            Headers = { { "Idempotency-Key", "key-update" }, { "If-Match", "\"1\"" } },
        };
        using var first = await _client.SendAsync(Patch());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var retry = await _client.SendAsync(Patch());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode); // not 412: the first answer, again
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal("\"2\"", (await _client.GetAsync(url)).Headers.ETag!.ToString());
    }

    [Fact]
    public async Task A_write_that_committed_but_lost_its_answer_is_answered_with_its_record_and_keys_expire()
    {
        var clock = new MovableClock();
        await using var timed = _host.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var client = timed.CreateClient();
        client.DefaultRequestHeaders.Authorization = _client.DefaultRequestHeaders.Authorization;
        var body = new { name = "Idem Lost", region = "South" };
        using var first = await client.SendAsync(Post("key-lost", body));
        var id = (await first.ObjectAsync())["id"]!.GetValue<Guid>();
        // what a host killed between the commit and storing the answer leaves: the provisional answer the commit wrote
        await _db.ScalarAsync("UPDATE sk_idempotency SET \"Final\" = " + _db.Literal(false) + ", \"StatusCode\" = 201, \"Body\" = '{\"id\":\"" + id + "\"}', \"ETag\" = NULL WHERE \"Key\" = 'key-lost'");
        using var soon = await client.SendAsync(Post("key-lost", body));
        Assert.Equal(HttpStatusCode.Conflict, soon.StatusCode); // it may still be answering
        Assert.Equal("1", soon.Headers.GetValues("Retry-After").Single());
        clock.Ahead = TimeSpan.FromSeconds(11);
        using var later = await client.SendAsync(Post("key-lost", body));
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.EndsWith($"/{id}", later.Headers.Location!.ToString());
        Assert.Equal(id, (await later.ObjectAsync())["id"]!.GetValue<Guid>());
        Assert.Equal(1, await CountAsync("Idem Lost"));
        // past its 24 hours the key is free again: the same key is a new request
        clock.Ahead = TimeSpan.FromHours(25);
        var login = await (await client.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.TenantAdminEmail("acme"), password = KernelHost.TenantPassword })).ObjectAsync();
        client.DefaultRequestHeaders.Authorization = new("Bearer", login["accessToken"]!.GetValue<string>());
        var cleanup = timed.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<SalesKernel.Core.Records.IdempotencyCleanup>().Single();
        await cleanup.RunDueAsync(CancellationToken.None);
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_idempotency")));
        using var expired = await client.SendAsync(Post("key-lost", new { name = "Idem Lost Again", region = "South" }));
        Assert.Equal(HttpStatusCode.Created, expired.StatusCode);
        Assert.Equal(1, await CountAsync("Idem Lost Again"));
    }
}
