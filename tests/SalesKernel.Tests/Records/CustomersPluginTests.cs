using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>The Customers plugin: accounts with a lifecycle, contacts, follow-ups, and duplicates caught.</summary>
public sealed class CustomersPluginTests() : TenantHostTest(PluginFolder.Customers)
{
    private const string Customers = "/api/customers/customers";
    private const string Contacts = "/api/customers/contacts";
    private HttpClient _admin => _client;

    [Fact]
    public async Task Promoting_a_customer_takes_the_promote_permission_managers_have_by_default()
    {
        using var rep = await _host.AddUserAsync(_admin, "rep@acme.test", "sales-rep");
        using var manager = await _host.AddUserAsync(_admin, "manager@acme.test", "sales-manager");
        var id = (await rep.CreateAsync(Customers, new { name = "Tier Climbers", tier = "Basic" }))["id"]!.GetValue<Guid>();
        var refused = await rep.PostAsync($"{Customers}/{id}/promote", null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("promote", (await refused.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal("Basic", (await rep.GetObjectAsync($"{Customers}/{id}"))["tier"]!.GetValue<string>());
        // granted to the rep's role, the same call goes through
        (await _admin.PutAsJsonAsync("/api/roles/sales-rep/grants", new { permission = "customers.customer.promote", depth = "Tenant" })).EnsureSuccessStatusCode();
        using var granted = await _host.SignedInClientAsync("rep@acme.test", KernelHost.TenantPassword);
        Assert.Equal("Standard", (await (await granted.PostAsync($"{Customers}/{id}/promote", null)).ObjectAsync())["tier"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await manager.PostAsync($"{Customers}/{Guid.NewGuid()}/promote", null)).StatusCode);
    }

    [Fact]
    public async Task Twelve_creates_of_one_customer_at_once_make_one_record()
    {
        // each create checks for the duplicate and inserts; without taking turns, several checks saw none (8 rows on PostgreSQL)
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            _admin.PostAsJsonAsync(Customers, new { name = i % 2 == 0 ? "Race Trading" : " race trading ", region = "North" })));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM customers_customer WHERE \"Region\" = 'North'")));
        // contacts with one email likewise
        var customer = (await answers.First(a => a.StatusCode == HttpStatusCode.Created).ObjectAsync())["id"]!.GetValue<Guid>();
        var contacts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _admin.PostAsJsonAsync(Contacts, new { customerId = customer, name = $"Li Wei {i}", email = i % 2 == 0 ? "li.wei@race.example" : "LI.WEI@race.example" })));
        Assert.Equal(1, contacts.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var answer in answers.Concat(contacts)) answer.Dispose();
    }

    [Fact]
    public async Task A_duplicate_customer_is_caught_with_the_candidates_unless_the_caller_forces_it()
    {
        var first = (await _admin.CreateAsync(Customers, new { name = "华信贸易", region = "East" }))["id"]!.GetValue<Guid>();
        var duplicate = await _admin.PostAsJsonAsync(Customers, new { name = " 华信贸易 ", region = "East" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var problem = await duplicate.ObjectAsync();
        Assert.Equal([first], problem["candidates"]!.AsArray().Select(c => c!.GetValue<Guid>()));

        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync(Customers, new { name = "华信贸易", region = "West" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync($"{Customers}?force=true", new { name = "华信贸易", region = "East" })).StatusCode);
        Assert.Equal(3L, await _db.CountAsync("customers_customer"));
    }

    [Fact]
    public async Task Duplicates_are_looked_up_by_an_indexed_key_that_the_API_does_not_show_and_older_rows_are_still_found()
    {
        var customer = await _admin.CreateAsync(Customers, new { name = "Huaxin Trading", region = "East" });
        Assert.False(customer.ContainsKey("nameKey"));
        var meta = await _admin.GetObjectAsync("/api/meta");
        var fields = meta["entitySets"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "customers.customers")!["fields"]!.AsArray();
        Assert.DoesNotContain(fields, f => f!["name"]!.GetValue<string>() == "nameKey");
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync($"{Customers}?filter=nameKey eq 'huaxin trading'")).StatusCode);
        Assert.Equal("huaxin trading", await _db.ScalarAsync("SELECT \"NameKey\" FROM customers_customer"));
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync(Customers, new { name = "HUAXIN TRADING ", region = "East" })).StatusCode);

        // a row written before the key existed has none until its next write: it is still a duplicate
        await _db.ExecuteAsync("UPDATE customers_customer SET \"NameKey\" = NULL");
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync(Customers, new { name = "huaxin trading", region = "East" })).StatusCode);
        var contactOwner = customer["id"]!.GetValue<Guid>();
        await _admin.CreateAsync(Contacts, new { customerId = contactOwner, name = "Li Wei", email = "Li.Wei@Huaxin.cn" });
        await _db.ExecuteAsync("UPDATE customers_contact SET \"EmailKey\" = NULL");
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync(Contacts, new { customerId = contactOwner, name = "Wei Li", email = "li.wei@huaxin.cn" })).StatusCode);
    }

    [Fact]
    public async Task Contacts_belong_to_a_customer_and_a_contact_with_a_known_email_or_phone_is_caught()
    {
        var customer = (await _admin.CreateAsync(Customers, new { name = "Acme", region = "East" }))["id"]!.GetValue<Guid>();
        var contact = await _admin.CreateAsync(Contacts, new { customerId = customer, name = "Li Wei", title = "Buyer", email = "li.wei@acme.cn", phone = "+86 21 5555 0101", isPrimary = true });
        Assert.Equal(customer, contact["customerId"]!.GetValue<Guid>());

        var sameEmail = await _admin.PostAsJsonAsync(Contacts, new { customerId = customer, name = "Wei Li", email = "LI.WEI@acme.cn" });
        Assert.Equal(HttpStatusCode.Conflict, sameEmail.StatusCode);
        var samePhone = await _admin.PostAsJsonAsync(Contacts, new { customerId = customer, name = "Someone", phone = "+86 21 5555 0101" });
        Assert.Equal(HttpStatusCode.Conflict, samePhone.StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync(Contacts, new { name = "No customer" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync(Contacts, new { customerId = Guid.NewGuid(), name = "Ghost" })).StatusCode);
        var listed = await _admin.GetObjectAsync($"{Contacts}?filter={Uri.EscapeDataString($"customerId eq '{customer}'")}");
        Assert.Equal(["Li Wei"], listed.Names());
    }

    [Fact]
    public async Task Follow_ups_are_recorded_against_a_customer_and_listed_newest_first()
    {
        var customer = (await _admin.CreateAsync(Customers, new { name = "Acme" }))["id"]!.GetValue<Guid>();
        await _admin.CreateAsync("/api/customers/follow-ups", new { customerId = customer, kind = "Call", atUtc = "2026-11-20T09:00:00Z", outcome = "Interested" });
        await _admin.CreateAsync("/api/customers/follow-ups", new { customerId = customer, kind = "Visit", atUtc = "2026-11-22T14:00:00Z", nextStep = "Send quote", nextFollowUpAtUtc = "2026-11-25T09:00:00Z" });
        var page = await _admin.GetObjectAsync($"/api/customers/follow-ups?filter={Uri.EscapeDataString($"customerId eq '{customer}'")}");
        Assert.Equal(["Visit", "Call"], page.Names("kind"));
    }

    [Fact]
    public async Task A_customer_moves_through_its_lifecycle_by_transitions()
    {
        var customer = await _admin.CreateAsync(Customers, new { name = "Acme" });
        var id = customer["id"]!.GetValue<Guid>();
        Assert.Equal("Prospect", customer["lifecycle"]!.GetValue<string>());
        Assert.Equal("Customer", (await (await _admin.PostAsJsonAsync($"{Customers}/{id}/transitions/convert", new { })).ObjectAsync())["lifecycle"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync($"{Customers}/{id}/transitions/churn", new { })).StatusCode); // needs a reason
        Assert.Equal("Churned", (await (await _admin.PostAsJsonAsync($"{Customers}/{id}/transitions/churn", new { comment = "moved to a competitor" })).ObjectAsync())["lifecycle"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PatchAsync($"{Customers}/{id}", new { lifecycle = "KeyAccount" })).StatusCode);
    }

    [Theory]
    [InlineData("email", "not-an-email", false)]
    [InlineData("email", "a@b", false)]
    [InlineData("email", "Li Ming <li@example.com>", false)]
    [InlineData("email", "li.ming@huaxin.example.cn", true)]
    [InlineData("phone", "call me", false)]
    [InlineData("phone", "12", false)]
    [InlineData("phone", "+86 21 5888 1234 ext. 12", true)]
    [InlineData("phone", "(021) 5888-1234", true)]
    [InlineData("phone", "+86 138 0013 8000", true)]
    public async Task A_contacts_email_and_phone_must_have_their_form(string field, string value, bool valid)
    {
        var customer = (await _client.CreateAsync("/api/customers/customers", new { name = $"Format {field} {valid}" }))["id"]!.GetValue<Guid>();
        var body = new Dictionary<string, object> { ["customerId"] = customer, ["name"] = "Li Ming", [field] = value };
        var answer = await _client.PostAsJsonAsync("/api/customers/contacts", body);
        Assert.True((answer.StatusCode == HttpStatusCode.Created) == valid, $"{field} '{value}': {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        if (!valid) Assert.StartsWith("must be", (await answer.ObjectAsync())["errors"]![field]![0]!.GetValue<string>());
    }
}
