using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Hosting;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Schema;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Schema;

/// <summary>
/// SQL Server without a server: the host's services are built on SQL Server's provider and the SQL an
/// install would run is generated and read, together with what SQL Server would refuse of the model.
/// The whole suite runs against a real server when SALESKERNEL_TEST_SQLSERVER is set.
/// </summary>
public sealed class SqlServerDdlTests : IDisposable
{
    private readonly PluginFolder _plugins = PluginFolder.Sales.Aggregate(new PluginFolder(), (folder, plugin) => folder.Add(plugin));
    private readonly string _data = Path.Combine(Path.GetTempPath(), "saleskernel-sqlserver", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _plugins.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private WebApplication Build()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SalesKernel:PluginsPath"] = _plugins.Path,
            ["SalesKernel:DataPath"] = _data,
            ["SalesKernel:Database:Provider"] = "SqlServer",
            // nothing listens there: nothing in this test may connect
            ["SalesKernel:Database:ConnectionString"] = "Server=127.0.0.1,1;Database=saleskernel;User Id=sa;Password=unused;TrustServerCertificate=true;Connect Timeout=1",
        });
        builder.AddSalesKernel();
        return builder.Build();
    }

    [Fact]
    public async Task The_host_builds_on_SQL_Servers_provider_and_an_install_creates_every_table_in_SQL_Servers_words()
    {
        await using var app = Build();
        var catalog = app.Services.GetRequiredService<PluginCatalog>();
        Assert.All(catalog.Plugins, p => Assert.Equal(PluginState.Loaded, p.State));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        Assert.True(db.Database.IsSqlServer());

        var steps = scope.ServiceProvider.GetRequiredService<SchemaManager>().InstallScript(catalog);
        // the kernel first, then each plugin after what it depends on
        Assert.Equal("kernel", steps[0].Owner);
        Assert.Equal(["activities", "customers", "leads", "opportunities"], steps.Skip(1).Select(s => s.Owner).Order());
        Assert.True(steps.FindIndex(s => s.Owner == "customers") < steps.FindIndex(s => s.Owner == "opportunities"));
        var scripts = steps.ToDictionary(s => s.Owner, s => s.Script);
        var kernel = scripts["kernel"];
        Assert.Contains("CREATE TABLE [sk_outbox]", kernel);
        Assert.Contains("[Id] bigint NOT NULL IDENTITY", kernel);
        Assert.Contains("[TenantId] uniqueidentifier NULL", kernel); // the outbox holds installation events too
        Assert.DoesNotContain("jsonb", kernel);
        Assert.DoesNotContain("AUTOINCREMENT", kernel);

        var customers = scripts["customers"];
        Assert.Contains("CREATE TABLE [customers_customer]", customers);
        Assert.Contains("[TenantId] uniqueidentifier NOT NULL", customers);
        Assert.Contains("[Name] nvarchar(200) NOT NULL", customers);
        // references between entity sets are kept by the kernel: the database only refuses, never cascades
        Assert.DoesNotContain("ON DELETE CASCADE", scripts["opportunities"]);
        Assert.Contains("FOREIGN KEY", scripts["opportunities"]);
        // each owner creates only its own tables
        Assert.DoesNotContain("CREATE TABLE [customers_customer]", scripts["opportunities"]);
    }

    [Fact]
    public async Task No_index_of_the_model_is_one_SQL_Server_would_refuse()
    {
        await using var app = Build();
        using var scope = app.Services.CreateScope();
        var model = scope.ServiceProvider.GetRequiredService<KernelDbContext>().GetService<Microsoft.EntityFrameworkCore.Metadata.IDesignTimeModel>().Model;
        var problems = new List<string>();
        foreach (var table in model.GetRelationalModel().Tables)
            foreach (var (name, columns, primary) in table.Indexes.Select(i => (i.Name, i.Columns, false))
                .Concat(table.UniqueConstraints.Select(u => (u.Name, u.Columns, u.GetIsPrimaryKey()))))
            {
                // an index key may not be (n)varchar(max) and is at most 1,700 bytes (900 for the clustered primary key)
                var bytes = 0;
                foreach (var column in columns)
                {
                    if (column.StoreType.Contains("(max)", StringComparison.OrdinalIgnoreCase)) problems.Add($"{table.Name}.{name}: {column.Name} is {column.StoreType}");
                    bytes += KeyBytes(column.StoreType);
                }
                var limit = primary ? 900 : 1700;
                if (bytes > limit) problems.Add($"{table.Name}.{name}: {bytes} bytes of key, more than {limit}");
            }
        Assert.Empty(problems);
    }

    private static int KeyBytes(string storeType)
    {
        var t = storeType.ToLowerInvariant();
        int Length() => int.TryParse(t[(t.IndexOf('(') + 1)..t.IndexOf(')')].Split(',')[0], out var n) ? n : 0;
        return t switch
        {
            _ when t.StartsWith("nvarchar(") || t.StartsWith("nchar(") => 2 * Length(),
            _ when t.StartsWith("varchar(") || t.StartsWith("char(") || t.StartsWith("varbinary(") => Length(),
            "uniqueidentifier" => 16,
            "bigint" or "datetime2" or "float" => 8,
            "int" or "real" or "date" => 4,
            "bit" or "tinyint" => 1,
            "smallint" => 2,
            _ when t.StartsWith("decimal") => 17,
            _ when t.StartsWith("datetimeoffset") => 10,
            _ => 8,
        };
    }
}
