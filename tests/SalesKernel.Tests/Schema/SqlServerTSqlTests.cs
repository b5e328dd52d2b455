using System.Linq.Expressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using SalesKernel.Core.Data;
using SalesKernel.Core.Hosting;
using SalesKernel.Core.Outbox;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Core.Schema;
using SalesKernel.Sdk.Entities;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Schema;

/// <summary>
/// What the kernel would say to SQL Server, read by SQL Server's own T-SQL parser (ScriptDom, the
/// parser of SQL Server's tools) without a server: every statement of an install, the kernel's own
/// T-SQL (locks, number sequences, the outbox lease), and what EF Core makes of the filter grammar on
/// SQL Server's provider. A parse is not a run — names and types are checked by a server only — but
/// a statement SQL Server could not even read fails here.
/// </summary>
public sealed class SqlServerTSqlTests : IDisposable
{
    private readonly PluginFolder _plugins = PluginFolder.Sales.Aggregate(new PluginFolder(), (folder, plugin) => folder.Add(plugin));
    private readonly string _data = Path.Combine(Path.GetTempPath(), "saleskernel-tsql", Guid.NewGuid().ToString("N"));

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

    /// <summary>The statements of a script as SQL Server 2022's parser reads them; fails with its errors.</summary>
    private static IReadOnlyList<TSqlStatement> Parse(string sql, string what)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        var fragment = parser.Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, $"{what}: SQL Server could not read it —\n" +
            string.Join("\n", errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}")) + "\n---\n" + sql);
        return ((TSqlScript)fragment).Batches.SelectMany(b => b.Statements).ToList();
    }

    [Fact]
    public async Task Every_statement_of_an_install_is_T_SQL_that_SQL_Server_reads()
    {
        await using var app = Build();
        using var scope = app.Services.CreateScope();
        var steps = scope.ServiceProvider.GetRequiredService<SchemaManager>().InstallScript(app.Services.GetRequiredService<PluginCatalog>());
        Assert.Equal(5, steps.Count);
        foreach (var step in steps)
        {
            var statements = Parse(step.Script, step.Owner);
            Assert.Contains(statements, s => s is CreateTableStatement);
            // indexes are made after their tables, each on a table of this owner's script
            var tables = statements.OfType<CreateTableStatement>().Select(t => t.SchemaObjectName.BaseIdentifier.Value).ToHashSet();
            Assert.All(statements.OfType<CreateIndexStatement>(), i => Assert.Contains(i.OnName.BaseIdentifier.Value, tables));
        }
        var kernel = Parse(steps[0].Script, "kernel").OfType<CreateTableStatement>().Single(t => t.SchemaObjectName.BaseIdentifier.Value == "sk_outbox");
        var id = kernel.Definition.ColumnDefinitions.Single(c => c.ColumnIdentifier.Value == "Id");
        Assert.NotNull(id.IdentityOptions);
    }

    [Fact]
    public async Task The_kernels_own_T_SQL_is_read_by_SQL_Servers_parser()
    {
        // EF Core puts parameters where {0}, {1}, … stand
        static string WithParameters(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, @"\{(\d+)\}", "@p$1");

        Assert.IsType<DeclareVariableStatement>(Parse(SqlServerSql.SchemaLock, "schema lock")[0]);
        Assert.IsType<ExecuteStatement>(Parse(SqlServerSql.SchemaUnlock, "schema unlock").Single());
        Assert.Contains(Parse(WithParameters(SqlServerSql.TransactionLock), "record-store lock"), s => s is ExecuteStatement);
        var merge = Assert.IsType<MergeStatement>(Parse(WithParameters(SqlServerSql.NextNumber), "number sequence").Single());
        Assert.NotNull(merge.MergeSpecification.OutputClause);

        await using var app = Build();
        using var scope = app.Services.CreateScope();
        var outbox = scope.ServiceProvider.GetRequiredService<KernelDbContext>().Model.FindEntityType(typeof(OutboxMessage))!;
        var lease = OutboxDispatcher.LeaseSql(outbox, postgres: false);
        var select = Assert.IsType<SelectStatement>(Parse(WithParameters(lease), "outbox lease").Single());
        var query = Assert.IsType<QuerySpecification>(select.QueryExpression);
        Assert.NotNull(query.TopRowFilter);
        Assert.NotNull(query.OrderByClause);
        var hints = ((NamedTableReference)query.FromClause.TableReferences.Single()).TableHints.Select(h => h.HintKind).ToList();
        Assert.Equal([TableHintKind.UpdLock, TableHintKind.ReadPast, TableHintKind.Rowlock], hints);
        Assert.DoesNotContain("SKIP LOCKED", lease);
    }

    [Fact]
    public async Task The_filter_grammar_on_SQL_Servers_provider_becomes_T_SQL_with_case_free_text_and_exact_custom_numbers()
    {
        await using var app = Build();
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var customers = app.Services.GetRequiredService<EntitySetRegistry>().Find("customers.customers")!;
        RecordField Custom(string name, FieldType type, Type clr) =>
            new() { Name = name, PropertyName = name, ClrType = clr, Type = type, Source = FieldSource.Custom, Owner = "tenant", IsFilterable = true };
        var fields = customers.Fields.Concat([Custom("budget", FieldType.Decimal, typeof(decimal?)), Custom("segment", FieldType.Text, typeof(string))]).ToList();

        var filter = "name contains 'acme' and (industry eq 'Retail' or industry in ('Energy', 'Pharma')) and not region isnull " +
            "and budget gt 1000.5 and segment eq 'Key' and createdAt gte '2026-01-01T00:00:00Z'";
        var record = Expression.Parameter(customers.ClrType, "c");
        var predicate = FilterTranslator.Translate(FilterParser.Parse(filter), record, n => fields.FirstOrDefault(f => f.Name == n), _ => true);
        var set = (IQueryable)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(customers.ClrType).Invoke(db, null)!;
        var where = Expression.Call(typeof(Queryable), nameof(Queryable.Where), [customers.ClrType], set.Expression,
            Expression.Quote(Expression.Lambda(predicate, record)));
        var sql = set.Provider.CreateQuery(where).ToQueryString();

        var statements = Parse(sql, "filtered customers");
        Assert.IsType<SelectStatement>(statements[^1]);
        Assert.Contains("LOWER(", sql); // text compares without the column's collation deciding
        Assert.Contains("JSON_VALUE(", sql);
        Assert.Contains("decimal(38,10)", sql); // custom numbers exactly, not as SQL Server's default decimal(18,2)
        Assert.DoesNotContain("json_extract", sql);
    }
}
