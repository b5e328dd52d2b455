// Tenant scale: what does a tenant cost? Starts the real host in-process (TestServer, temporary
// SQLite), creates N tenants with different module sets and an API key each, sends every tenant's
// requests through the whole pipeline, and prints managed memory after a handful and after all.
using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Hosting;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

var tenants = args.Length > 0 && int.TryParse(args[0], out var n) && n >= 10 ? n : 1000;
const int Handful = 5;
var dataPath = Path.Combine(Path.GetTempPath(), "saleskernel-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dataPath);

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.UseTestServer();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration["SalesKernel:PluginsPath"] = Path.Combine(AppContext.BaseDirectory, "plugins");
builder.Configuration["SalesKernel:DataPath"] = dataPath;
builder.Configuration["SalesKernel:Bootstrap:AdminPassword"] = "Bench-Admin-2026";
builder.AddSalesKernel();
var app = builder.Build();
app.UseSalesKernel();
await app.StartAsync();
var client = app.GetTestClient();

var plugins = app.Services.GetRequiredService<SalesKernel.Core.Plugins.PluginCatalog>().Loaded.Select(p => p.Id).ToList();
Console.WriteLine($"plugins loaded once for the process: {string.Join(", ", plugins)}");
string[][] moduleSets = [["customers"], ["customers", "credit"], []];

Console.Write($"creating {tenants} tenants ");
var keys = new List<(string Key, string[] Modules)>();
using (var scope = app.Services.CreateScope())
{
    var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
    for (var i = 0; i < tenants; i++)
    {
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Code = $"t{i:00000}", Name = $"Tenant {i}", CreatedAtUtc = DateTime.UtcNow };
        var role = new Role { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Code = StandardRoles.TenantAdmin, Name = "Admin", IsStandard = true };
        var modules = moduleSets[i % moduleSets.Length];
        var (key, prefix, hash) = ApiKey.NewKey();
        db.AddRange(tenant, role, new ApiKey { Id = Guid.CreateVersion7(), TenantId = tenant.Id, Name = "bench", Prefix = prefix, SecretHash = hash, RoleId = role.Id, CreatedAtUtc = DateTime.UtcNow });
        db.AddRange(modules.Select(m => new TenantPlugin { TenantId = tenant.Id, PluginId = m, Enabled = true, ChangedAtUtc = DateTime.UtcNow }));
        keys.Add((key, modules));
        if (i % 200 == 199) { await db.SaveChangesAsync(); db.ChangeTracker.Clear(); Console.Write('.'); }
    }
    await db.SaveChangesAsync();
}
Console.WriteLine();

var latencies = new List<double>();
var requests = 0;
async Task ServeAsync(IEnumerable<(string Key, string[] Modules)> batch)
{
    foreach (var (key, modules) in batch)
    {
        client.DefaultRequestHeaders.Remove("X-Api-Key");
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var watch = Stopwatch.StartNew();
        var meta = await client.GetAsync("/api/meta");
        meta.EnsureSuccessStatusCode();
        if (modules.Contains("customers"))
        {
            object body = modules.Contains("credit") ? new { name = "Acme", creditLimit = 1000m } : new { name = "Acme" };
            (await client.PostAsJsonAsync("/api/customers/customers", body)).EnsureSuccessStatusCode();
            (await client.GetAsync("/api/customers/customers?limit=10")).EnsureSuccessStatusCode();
        }
        else if ((await client.GetAsync("/api/customers/customers")).StatusCode != System.Net.HttpStatusCode.NotFound)
            throw new InvalidOperationException("a tenant without customers reached its endpoints");
        var made = modules.Contains("customers") ? 3 : 2;
        requests += made;
        latencies.Add(watch.Elapsed.TotalMilliseconds / made);
    }
}

static long Settle()
{
    for (var i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
    return GC.GetTotalMemory(forceFullCollection: true);
}

await ServeAsync(keys.Take(Handful));
await ServeAsync(keys.Take(Handful)); // warm: plans and caches in place
var handful = Settle();
requests = 0;
latencies.Clear();
var watchAll = Stopwatch.StartNew();
await ServeAsync(keys);
watchAll.Stop();
var all = Settle();

var pluginAssemblies = AppDomain.CurrentDomain.GetAssemblies().Count(a => a.GetName().Name!.Contains(".Plugins.") || a.GetName().Name!.Contains(".TestPlugins."));
latencies.Sort();
Console.WriteLine($"plugin assemblies in the process:      {pluginAssemblies}");
Console.WriteLine($"managed memory after {Handful} tenants:       {handful / 1024.0 / 1024.0:F1} MiB");
Console.WriteLine($"managed memory after {tenants} tenants:    {all / 1024.0 / 1024.0:F1} MiB");
Console.WriteLine($"per additional tenant:                 {(all - handful) / (double)(tenants - Handful) / 1024.0:F1} KiB");
Console.WriteLine($"requests: {requests} in {watchAll.Elapsed.TotalSeconds:F1} s; mean per request by tenant: median {latencies[latencies.Count / 2]:F2} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:F2} ms");

await app.StopAsync();
try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { }
