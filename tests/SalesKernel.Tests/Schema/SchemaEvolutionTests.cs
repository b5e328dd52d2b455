using System.Net.Http.Json;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Schema;

/// <summary>The kernel creates a plugin's tables on install and applies the difference on upgrade.</summary>
public sealed class SchemaEvolutionTests : IDisposable
{
    private const string NotesTable = "schema_probe_note";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.SchemaProbe);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Installing_a_plugin_creates_its_tables_and_records_its_schema_history()
    {
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();

        Assert.Equal(["Id", "CustomerId", "Title", "TenantId"], await _db.ColumnsAsync(NotesTable)); // the tenant column: the kernel keeps a plugin's own rows per tenant
        Assert.Equal(3L, await _db.CountAsync("sk_schema_history"));
        Assert.Equal("install", await _db.ScalarAsync("SELECT \"Kind\" FROM sk_schema_history WHERE \"Owner\" = 'schema-probe'"));
    }

    [Fact]
    public async Task Starting_again_with_the_same_plugins_changes_nothing()
    {
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();

        Assert.Equal(3L, await _db.CountAsync("sk_schema_history"));
    }

    [Fact]
    public async Task An_upgrade_that_adds_a_column_keeps_the_existing_rows()
    {
        await using (var host = new KernelHost(_plugins, _db))
        {
            using var client = await host.TenantClientAsync();
            var customer = await (await client.PostAsJsonAsync("/api/customers/customers", new { name = "Acme" }))
                .Content.ReadFromJsonAsync<CustomerRow>();
            (await client.PostAsJsonAsync("/api/schema-probe/notes", new { customerId = customer!.Id, title = "first call" })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/schema-probe/notes", new { customerId = customer.Id, title = "second call" })).EnsureSuccessStatusCode();
        }

        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "1.1.0");
        await using (var host = new KernelHost(_plugins, _db, Variant("v2")))
        {
            Assert.Equal("Loaded", (await host.PluginAsync("schema-probe")).State);
        }

        Assert.Equal(["Id", "CustomerId", "Title", "TenantId", "Priority"], await _db.ColumnsAsync(NotesTable));
        Assert.Equal(2L, await _db.CountAsync(NotesTable));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync($"SELECT SUM(\"Priority\") FROM {NotesTable}")));
        Assert.Equal("first call", await _db.ScalarAsync($"SELECT \"Title\" FROM {NotesTable} ORDER BY \"Id\"" /* the first row's */));
        Assert.Equal("upgrade", await _db.ScalarAsync(
            "SELECT \"Kind\" FROM sk_schema_history WHERE \"Owner\" = 'schema-probe' AND \"Version\" = '1.1.0'"));
    }

    [Fact]
    public async Task An_upgrade_that_would_drop_a_column_is_refused_and_the_data_is_kept()
    {
        await using (var host = new KernelHost(_plugins, _db))
        {
            using var client = await host.TenantClientAsync();
            (await client.PostAsJsonAsync("/api/schema-probe/notes", new { title = "keep me" })).EnsureSuccessStatusCode();
        }

        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "2.0.0");
        await using (var host = new KernelHost(_plugins, _db, Variant("drop")))
        {
            var probe = await host.PluginAsync("schema-probe");
            Assert.Equal("Failed", probe.State);
            Assert.Equal("schema change to 2.0.0 refused: it would drop column Title of table schema_probe_note. " +
                "Add 'schema-probe' to SalesKernel:Database:AllowDestructiveChanges to allow the data loss", probe.Reason);
            Assert.Equal("Loaded", (await host.PluginAsync("customers")).State);
            using var client = await host.TenantClientAsync();
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/api/schema-probe/notes-per-customer")).StatusCode);
        }

        Assert.Contains("Title", await _db.ColumnsAsync(NotesTable));
        Assert.Equal("keep me", await _db.ScalarAsync($"SELECT \"Title\" FROM {NotesTable}"));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_schema_history WHERE \"Owner\" = 'schema-probe' AND \"Version\" = '2.0.0'")));
    }

    [Fact]
    public async Task A_drop_allowed_in_configuration_is_applied()
    {
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();

        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "2.0.0");
        var settings = new Dictionary<string, string?>(Variant("drop")) { ["SalesKernel:Database:AllowDestructiveChanges:0"] = "schema-probe" };
        await using (var host = new KernelHost(_plugins, _db, settings))
        {
            Assert.Equal("Loaded", (await host.PluginAsync("schema-probe")).State);
        }

        Assert.Equal(["Id", "CustomerId", "TenantId"], await _db.ColumnsAsync(NotesTable));
    }

    [Fact]
    public async Task An_upgrade_that_would_rename_a_column_is_refused_as_possible_data_loss()
    {
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();

        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "1.1.0");
        await using (var host = new KernelHost(_plugins, _db, Variant("rename")))
        {
            var probe = await host.PluginAsync("schema-probe");
            Assert.Equal("Failed", probe.State);
            Assert.Contains("rename column Title of table schema_probe_note to Heading", probe.Reason);
        }
        Assert.Contains("Title", await _db.ColumnsAsync(NotesTable));
    }

    [Fact]
    public async Task Starting_an_older_version_over_a_newer_schema_is_refused()
    {
        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "1.1.0");
        await using (var host = new KernelHost(_plugins, _db)) await host.PluginsAsync();

        _plugins.EditManifest(PluginFolder.SchemaProbe, m => m["version"] = "1.0.0");
        await using var older = new KernelHost(_plugins, _db);
        var probe = await older.PluginAsync("schema-probe");
        Assert.Equal("Failed", probe.State);
        Assert.StartsWith("schema change to 1.0.0 refused: it would downgrade the schema from 1.1.0", probe.Reason);
    }

    [Fact]
    public async Task Check_constraints_and_descending_indexes_survive_a_restart_without_changes()
    {
        await using (var host = new KernelHost(_plugins, _db, Variant("facets")))
            Assert.Equal("Loaded", (await host.PluginAsync("schema-probe")).State);
        await using (var host = new KernelHost(_plugins, _db, Variant("facets")))
            Assert.Equal("Loaded", (await host.PluginAsync("schema-probe")).State);

        Assert.Equal(3L, await _db.CountAsync("sk_schema_history"));
        await using var client = new KernelHost(_plugins, _db, Variant("facets"));
        using var http = await client.TenantClientAsync();
        var empty = await http.PostAsJsonAsync("/api/schema-probe/notes", new { title = "" });
        Assert.Equal((System.Net.HttpStatusCode)422, empty.StatusCode); // the database's check refused it
        Assert.Equal(0L, await _db.CountAsync(NotesTable));
    }

    [Fact]
    public async Task Seed_data_is_refused_with_a_reason_instead_of_being_inserted_on_every_start()
    {
        await using var host = new KernelHost(_plugins, _db, Variant("seed"));
        var probe = await host.PluginAsync("schema-probe");
        Assert.Equal("Failed", probe.State);
        Assert.Contains("declares seed data (HasData)", probe.Reason);
    }

    private static Dictionary<string, string?> Variant(string variant) =>
        new() { ["SalesKernel:Plugins:Settings:schema-probe:Variant"] = variant };

    private sealed record CustomerRow(Guid Id);
}
