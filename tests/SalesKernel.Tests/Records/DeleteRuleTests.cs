using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>
/// One write path for deletes: what refers to a deleted record follows the rule its plugin declared —
/// refused (409 naming it), deleted with it, or detached — each an audited write through the
/// pipeline with the caller's privileges, and the database refuses anything that goes around it.
/// </summary>
public sealed class DeleteRuleTests() : TenantHostTest(PluginFolder.Sales)
{
    private const string Customers = "/api/customers/customers";
    private const string Contacts = "/api/customers/contacts";
    private const string FollowUps = "/api/customers/follow-ups";
    private const string Opportunities = "/api/opportunities/opportunities";
    private const string Leads = "/api/leads/leads";

    private async Task<Guid> IdAsync(HttpClient client, string url, object body) => (await client.CreateAsync(url, body))["id"]!.GetValue<Guid>();

    private Task<long> AuditCountAsync(string entitySet, string operation) =>
        _db.ScalarAsync($"SELECT COUNT(*) FROM sk_audit WHERE \"EntitySet\" = '{entitySet}' AND \"Operation\" = '{operation}'").ContinueWith(t => Convert.ToInt64(t.Result));

    [Fact]
    public async Task A_customer_with_an_opportunity_is_not_deleted_and_the_answer_names_what_is_in_the_way()
    {
        var customer = await IdAsync(_client, Customers, new { name = "Huaxin Trading" });
        await IdAsync(_client, Contacts, new { customerId = customer, name = "Li Ming" });
        await IdAsync(_client, Opportunities, new { name = "ERP licences", customerId = customer, amount = 86000 });

        var refused = await _client.DeleteAsync($"{Customers}/{customer}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ObjectAsync();
        var use = Assert.Single(problem["usedBy"]!.AsArray())!;
        Assert.Equal("opportunities.opportunities", use["entitySet"]!.GetValue<string>());
        Assert.Equal("customerId", use["field"]!.GetValue<string>());
        Assert.Equal(1, use["count"]!.GetValue<int>());
        // nothing happened: not the customer, not its contact
        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
        Assert.Equal(1L, await _db.CountAsync("customers_contact"));
        Assert.Equal(0L, await AuditCountAsync("customers.contacts", "Delete"));
    }

    [Fact]
    public async Task Deleting_a_customer_deletes_its_contacts_and_follow_ups_as_audited_deletes_and_detaches_what_only_pointed_at_them()
    {
        var customer = await IdAsync(_client, Customers, new { name = "Harbor Ceramics" });
        var contact = await IdAsync(_client, Contacts, new { customerId = customer, name = "Gao Yan" });
        await IdAsync(_client, Contacts, new { customerId = customer, name = "Wu Fang" });
        await IdAsync(_client, FollowUps, new { customerId = customer, kind = "Call", atUtc = DateTime.UtcNow.AddHours(-1), outcome = "Wants a quote" });
        // an opportunity elsewhere named the contact; a lead was converted into the customer
        var other = await IdAsync(_client, Customers, new { name = "Other Co" });
        var opportunity = await IdAsync(_client, Opportunities, new { name = "Kilns", customerId = other, contactId = contact, amount = 1000 });
        var lead = await IdAsync(_client, Leads, new { name = "Gao Yan", company = "Harbor Ceramics" });
        await _client.PostAsJsonAsync($"{Leads}/{lead}/transitions/qualify", new { });
        (await _client.PostAsJsonAsync($"{Leads}/{lead}/convert", new { customerId = customer })).EnsureSuccessStatusCode();
        var converted = await _client.GetObjectAsync($"{Leads}/{lead}");
        Assert.Equal(customer, converted["convertedCustomerId"]!.GetValue<Guid>());
        // the opportunity the conversion made stops the customer's delete: remove it first
        (await _client.DeleteAsync($"{Opportunities}/{converted["convertedOpportunityId"]!.GetValue<Guid>()}")).EnsureSuccessStatusCode();

        var deleted = await _client.DeleteAsync($"{Customers}/{customer}");
        Assert.True(deleted.StatusCode == HttpStatusCode.NoContent, await deleted.Content.ReadAsStringAsync());

        Assert.Equal(1L, await _db.CountAsync("customers_customer"));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync($"SELECT COUNT(*) FROM customers_contact WHERE \"CustomerId\" = '{Db(customer)}'")));
        Assert.Equal(0L, await _db.CountAsync("customers_followup"));
        // every record it touched is in the audit and the outbox, as if deleted or changed one by one
        Assert.Equal(3L, await AuditCountAsync("customers.contacts", "Delete")); // the two, and the one the conversion made
        Assert.Equal(1L, await AuditCountAsync("customers.follow-ups", "Delete"));
        Assert.True(Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"EntitySet\" = 'customers.contacts' AND \"Operation\" = 'Delete'")) == 3);
        Assert.Null((await _client.GetObjectAsync($"{Opportunities}/{opportunity}"))["contactId"]);
        Assert.Null((await _client.GetObjectAsync($"{Leads}/{lead}"))["convertedCustomerId"]);
        Assert.Equal(2L, (await _client.GetObjectAsync($"{Opportunities}/{opportunity}"))["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_manager_cannot_delete_a_customer_if_that_would_delete_a_contact_beyond_their_reach()
    {
        var team = (await _client.CreateAsync("/api/teams", new { name = "Sales" }))["id"]!.GetValue<Guid>();
        var service = (await _client.CreateAsync("/api/teams", new { name = "Service" }))["id"]!.GetValue<Guid>();
        using var rep = await _host.AddUserAsync(_client, "manager@acme.test", "sales-manager", team); // may delete within the team and below
        using var colleague = await _host.AddUserAsync(_client, "colleague@acme.test", "sales-rep", service);
        var customer = await IdAsync(rep, Customers, new { name = "Shared Co" });
        var contact = await IdAsync(rep, Contacts, new { customerId = customer, name = "Mine" });
        var theirs = await IdAsync(_client, Contacts, new { customerId = customer, name = "Theirs" });
        var colleagueId = (await colleague.GetObjectAsync("/api/auth/me"))["id"]!.GetValue<string>();
        (await _client.PostAsJsonAsync($"{Contacts}/{theirs}/assign", new { ownerId = colleagueId })).EnsureSuccessStatusCode();

        var refused = await rep.DeleteAsync($"{Customers}/{customer}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("1 Contacts you may not delete", (await refused.ObjectAsync())["detail"]!.GetValue<string>());
        Assert.Equal(2L, await _db.CountAsync("customers_contact"));
        Assert.Equal(HttpStatusCode.OK, (await rep.GetAsync($"{Contacts}/{contact}")).StatusCode);

        // once the colleague's contact is gone, the rep's delete takes the rest with it
        (await _client.DeleteAsync($"{Contacts}/{theirs}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NoContent, (await rep.DeleteAsync($"{Customers}/{customer}")).StatusCode);
        Assert.Equal(0L, await _db.CountAsync("customers_contact"));
    }

    [Fact]
    public async Task The_database_itself_refuses_a_delete_that_goes_around_the_pipeline()
    {
        var customer = await IdAsync(_client, Customers, new { name = "Raw Co" });
        await IdAsync(_client, Contacts, new { customerId = customer, name = "Kept" });
        var error = await Record.ExceptionAsync(() => _db.ScalarAsync(
            (_db.Provider == "Sqlite" ? "PRAGMA foreign_keys = ON; " : "") + $"DELETE FROM customers_customer WHERE \"Id\" = '{Db(customer)}'"));
        Assert.NotNull(error); // a foreign key violation: the contacts' key is RESTRICT, not CASCADE
        Assert.Equal(1L, await _db.CountAsync("customers_contact"));
    }

    [Fact]
    public async Task A_plugin_that_writes_an_entity_set_with_SaveChanges_is_refused_and_writes_nothing()
    {
        var customer = await IdAsync(_client, Customers, new { name = "Guarded Co" });
        using var scope = _host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.DbContext>();
        scope.ServiceProvider.GetRequiredService<SalesKernel.Core.Security.CallerContext>().ActAs(
            Guid.Parse((await _client.GetObjectAsync("/api/auth/me"))["tenantId"]!.GetValue<string>()), "plugin-code");
        // the plugin's entity type, as plugin code would have it (the tests do not reference plugin assemblies)
        var type = db.Model.GetEntityTypes().Single(t => t.GetTableName() == "customers_customer").ClrType;
        var tracked = await db.FindAsync(type, customer);
        db.Entry(tracked!).Property("Name").CurrentValue = "Changed behind the pipeline";
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        Assert.Contains("IEntityStore", refused.Message);
        Assert.Equal("Guarded Co", (await _client.GetObjectAsync($"{Customers}/{customer}"))["name"]!.GetValue<string>());
        Assert.Equal(1L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_audit WHERE \"EntitySet\" = 'customers.customers'")));
    }

    /// <summary>A GUID as the database keeps it: upper-case text on SQLite, uuid on PostgreSQL.</summary>
    private string Db(Guid id) => _db.Provider != "Sqlite" ? id.ToString() : id.ToString().ToUpperInvariant();
}
