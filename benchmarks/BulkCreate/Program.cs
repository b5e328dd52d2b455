// Bulk create: how many records a second does POST …/bulk write through the whole pipeline (validation,
// reference checks, audit and outbox rows, one transaction), beside a bare EF Core insert of the same rows
// into a table of the same shape? Starts the real host in-process (TestServer) on a temporary SQLite
// database, signs in with an API key, and writes follow-ups (跟进记录) that refer to customers, in requests
// of 1000. (Contacts and customers run their plugin's duplicate rules as well: a query per record.)
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Hosting;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

var total = args.Length > 0 && int.TryParse(args[0], out var n) && n >= 1000 ? n / 1000 * 1000 : 10_000;
const int PerRequest = 1000;
const int Customers = 50;
var dataPath = Path.Combine(Path.GetTempPath(), "saleskernel-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dataPath);

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseTestServer();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (Environment.GetEnvironmentVariable("BENCH_SQL") == "1") builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
builder.Configuration["SalesKernel:PluginsPath"] = Path.Combine(AppContext.BaseDirectory, "plugins");
builder.Configuration["SalesKernel:DataPath"] = dataPath;
builder.Configuration["SalesKernel:Bootstrap:AdminPassword"] = "Bench-Admin-2026";
builder.AddSalesKernel();
var app = builder.Build();
app.UseSalesKernel();
await app.StartAsync();
var client = app.GetTestClient();

using (var scope = app.Services.CreateScope())
{
    var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
    var tenant = new Tenant { Id = Guid.CreateVersion7(), Code = "bench", Name = "Bench", CreatedAtUtc = DateTime.UtcNow };
    var role = new Role { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Code = StandardRoles.TenantAdmin, Name = "Admin", IsStandard = true };
    var (key, prefix, hash) = ApiKey.NewKey();
    db.AddRange(tenant, role, new ApiKey { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = "bench", Prefix = prefix, SecretHash = hash, RoleId = role.Id, CreatedAtUtc = DateTime.UtcNow });
    db.Add(new TenantPlugin { TenantId = tenant.Id, PluginId = "customers", Enabled = true, ChangedAtUtc = DateTime.UtcNow });
    await db.SaveChangesAsync();
    client.DefaultRequestHeaders.Add("X-Api-Key", key);
}

var customers = new List<Guid>();
for (var i = 0; i < Customers; i++)
{
    var created = await client.PostAsJsonAsync("/api/customers/customers", new { name = $"Customer {i:000}", industry = "Retail" });
    created.EnsureSuccessStatusCode();
    customers.Add((await created.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["id"].ToString() is { } id ? Guid.Parse(id) : Guid.Empty);
}

static object[] Rows(int start, int count, List<Guid> customers) => Enumerable.Range(start, count)
    .Select(i => (object)new { customerId = customers[i % customers.Count], kind = "Call", atUtc = DateTime.UtcNow.AddMinutes(-i), outcome = $"Call {i:000000}: interested, wants a quote", nextStep = "Send the quote" })
    .ToArray();

// warm-up: plans compiled, caches filled
(await client.PostAsJsonAsync("/api/customers/follow-ups/bulk", Rows(0, PerRequest, customers))).EnsureSuccessStatusCode();

// the baseline: the same rows, inserted by EF Core into a table of the same shape (the kernel's columns, the
// same indexes) in a plain SQLite file, 1000 per SaveChanges: what the write costs without the pipeline
var barePath = Path.Combine(dataPath, "bare.db");
var options = new DbContextOptionsBuilder<BareContext>().UseSqlite($"Data Source={barePath}").Options;
await using (var bare = new BareContext(options))
{
    await bare.Database.EnsureCreatedAsync();
    await bare.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    bare.FollowUps.AddRange(BareRows(0, PerRequest, customers));
    await bare.SaveChangesAsync();
}

// interleaved, a request of each in turn, so that what else the machine does weighs on both alike
var pipeline = new Stopwatch();
var baseline = new Stopwatch();
for (var start = PerRequest; start < PerRequest + total; start += PerRequest)
{
    pipeline.Start();
    var answer = await client.PostAsJsonAsync("/api/customers/follow-ups/bulk", Rows(start, PerRequest, customers));
    pipeline.Stop();
    if (!answer.IsSuccessStatusCode) throw new InvalidOperationException($"bulk answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
    baseline.Start();
    await using (var bare = new BareContext(options))
    {
        bare.FollowUps.AddRange(BareRows(start, PerRequest, customers));
        await bare.SaveChangesAsync();
    }
    baseline.Stop();
}
await app.StopAsync();

static IEnumerable<BareFollowUp> BareRows(int start, int count, List<Guid> customers) => Enumerable.Range(start, count)
    .Select(i => new BareFollowUp
    {
        Id = Guid.CreateVersion7(), CustomerId = customers[i % customers.Count], Kind = "Call", AtUtc = DateTime.UtcNow.AddMinutes(-i),
        Outcome = $"Call {i:000000}: interested, wants a quote", NextStep = "Send the quote", TenantId = Bench.Tenant,
        CreatedAtUtc = DateTime.UtcNow, UpdatedAtUtc = DateTime.UtcNow, CreatedBy = "apikey:bench", UpdatedBy = "apikey:bench", Version = 1,
        OwnerId = "apikey:bench",
    });

var pipelineRate = total / pipeline.Elapsed.TotalSeconds;
var bareRate = total / baseline.Elapsed.TotalSeconds;
Console.WriteLine($"rows: {total}, {PerRequest} per request (pipeline) or per SaveChanges (bare)");
Console.WriteLine($"SalesKernel POST /bulk (checks, references, audit, outbox):    {pipelineRate,9:F0} rows/s");
Console.WriteLine($"bare EF Core insert, same rows:                                 {bareRate,9:F0} rows/s");
Console.WriteLine($"ratio: {pipelineRate / bareRate:F2}");
try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { }

internal sealed class BareFollowUp
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public string Kind { get; set; } = "";
    public DateTime AtUtc { get; set; }
    public string? Outcome { get; set; }
    public string? NextStep { get; set; }
    public DateTime? NextFollowUpAtUtc { get; set; }
    public Guid TenantId { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
    public string? CreatedBy { get; set; }
    public string? UpdatedBy { get; set; }
    public long Version { get; set; }
    public string? OwnerId { get; set; }
    public string? TeamId { get; set; }
    public string? CustomFields { get; set; }
}

internal sealed class BareContext(DbContextOptions<BareContext> options) : DbContext(options)
{
    public DbSet<BareFollowUp> FollowUps => Set<BareFollowUp>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<BareFollowUp>(b =>
        {
            b.Property(c => c.Kind).HasMaxLength(20);
            b.Property(c => c.Outcome).HasMaxLength(2000);
            b.Property(c => c.NextStep).HasMaxLength(500);
            // the indexes the follow-up table has: every one leads with the tenant
            b.HasIndex(c => new { c.TenantId, c.Id });
            b.HasIndex(c => new { c.TenantId, c.CreatedAtUtc });
            b.HasIndex(c => new { c.TenantId, c.UpdatedAtUtc });
            b.HasIndex(c => new { c.TenantId, c.OwnerId });
            b.HasIndex(c => new { c.TenantId, c.TeamId });
            b.HasIndex(c => new { c.TenantId, c.CustomerId });
            b.HasIndex(c => new { c.TenantId, c.Kind });
            b.HasIndex(c => new { c.TenantId, c.AtUtc });
            b.HasIndex(c => new { c.TenantId, c.NextFollowUpAtUtc });
        });
}

internal static class Bench
{
    public static readonly Guid Tenant = Guid.CreateVersion7();
}
