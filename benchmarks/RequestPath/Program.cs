// Request path: what a call costs through SalesKernel beside a bare minimal-API app that serves the same
// rows from the same SQLite file with Microsoft.Data.Sqlite (no EF Core, no pipeline). Both run on
// Kestrel on loopback in this process, in the Production environment; a demo tenant is seeded first;
// the calls are driven by one HttpClient, in interleaved rounds, and CPU time is measured per phase.
//   dotnet run -c Release --project benchmarks/RequestPath -- [customers=10000] [seconds per round=3] [only calls named …]
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using SalesKernel.Core.Hosting;

var customers = args.Length > 0 && int.TryParse(args[0], out var c) && c >= 100 ? c : 10_000;
var seconds = args.Length > 1 && double.TryParse(args[1], out var s) && s > 0 ? s : 3;
var only = args.Length > 2 ? args[2] : null; // run only the calls whose name contains this (for profiling)
const int Rounds = 3;
var dataPath = Path.Combine(Path.GetTempPath(), "saleskernel-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dataPath);
static int FreePort() { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; }

// --- SalesKernel, as it runs in production
var kernelPort = FreePort();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration["SalesKernel:PluginsPath"] = Path.Combine(AppContext.BaseDirectory, "plugins");
builder.Configuration["SalesKernel:DataPath"] = dataPath;
builder.Configuration["SalesKernel:Bootstrap:AdminPassword"] = "Bench-Admin-2026";
builder.WebHost.UseUrls($"http://127.0.0.1:{kernelPort}");
builder.AddSalesKernel();
var kernel = builder.Build();
kernel.UseSalesKernel();
await kernel.StartAsync();
Console.Write($"seeding a demo tenant of {customers:N0} customers … ");
var seeding = Stopwatch.StartNew();
await kernel.Services.GetRequiredService<DemoSeed>().RunAsync(new DemoSeedOptions("bench", customers, 2026, "Bench-Pass-2026"), (_, _) => new Quiet(), CancellationToken.None);
Console.WriteLine($"{seeding.Elapsed.TotalSeconds:F0} s");
var database = Path.Combine(dataPath, "saleskernel.db");

var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
var login = await http.PostAsJsonAsync($"http://127.0.0.1:{kernelPort}/api/auth/login", new { email = "admin@bench.example", password = "Bench-Pass-2026" });
login.EnsureSuccessStatusCode();
var token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
http.DefaultRequestHeaders.Authorization = new("Bearer", token);
var k = $"http://127.0.0.1:{kernelPort}/api/customers/customers";
var sample = (await http.GetFromJsonAsync<JsonObject>($"{k}?limit=1&sort=name"))!["items"]![0]!;
var id = sample["id"]!.GetValue<Guid>();
var tenant = Guid.Parse((string)new SqliteCommand("SELECT \"TenantId\" FROM customers_customer LIMIT 1", Open(database)).ExecuteScalar()!);

// --- the bare baseline: the same rows, the same file, Microsoft.Data.Sqlite and a minimal API
var barePort = FreePort();
var bareBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
bareBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
bareBuilder.WebHost.UseUrls($"http://127.0.0.1:{barePort}");
var bare = bareBuilder.Build();
const string Columns = "\"Id\", \"Name\", \"Industry\", \"Region\", \"Tier\", \"Lifecycle\", \"RowVersion\"";
bare.MapGet("/customers/{id:guid}", (Guid id) => Rows($"SELECT {Columns} FROM customers_customer WHERE \"TenantId\" = $t AND \"Id\" = $id", ("$id", G(id))).FirstOrDefault() is { } r ? Results.Ok(r) : Results.NotFound());
bare.MapGet("/customers", (int limit, string? industry, string? search) => Results.Ok(new
{
    items = industry is not null
        ? Rows($"SELECT {Columns} FROM customers_customer WHERE \"TenantId\" = $t AND \"Industry\" = $i ORDER BY \"Id\" LIMIT $n", ("$i", industry), ("$n", limit))
        : search is not null
            ? Rows($"SELECT {Columns} FROM customers_customer WHERE \"TenantId\" = $t AND \"Name\" LIKE $q ORDER BY \"Name\", \"Id\" LIMIT $n", ("$q", search + "%"), ("$n", limit))
            : Rows($"SELECT {Columns} FROM customers_customer WHERE \"TenantId\" = $t ORDER BY \"Name\", \"Id\" LIMIT $n", ("$n", limit)),
}));
bare.MapPost("/customers", (JsonObject body) =>
{
    var newId = Guid.CreateVersion7();
    using var connection = Open(database);
    using var insert = new SqliteCommand("INSERT INTO customers_customer (\"Id\", \"TenantId\", \"Name\", \"Industry\", \"Region\", \"Tier\", \"Lifecycle\", \"CreatedAtUtc\", \"UpdatedAtUtc\", \"RowVersion\") " +
        "VALUES ($id, $t, $name, $industry, $region, 'Standard', 'Prospect', $now, $now, 1)", connection);
    insert.Parameters.AddWithValue("$id", G(newId)); insert.Parameters.AddWithValue("$t", G(tenant));
    insert.Parameters.AddWithValue("$name", body["name"]!.GetValue<string>()); insert.Parameters.AddWithValue("$industry", body["industry"]?.GetValue<string>() ?? (object)DBNull.Value);
    insert.Parameters.AddWithValue("$region", body["region"]?.GetValue<string>() ?? (object)DBNull.Value); insert.Parameters.AddWithValue("$now", DateTime.UtcNow);
    insert.ExecuteNonQuery();
    return Results.Created($"/customers/{newId}", new { id = newId });
});
await bare.StartAsync();
var b = $"http://127.0.0.1:{barePort}/customers";

SqliteConnection Open(string file) { var connection = new SqliteConnection($"Data Source={file};Default Timeout=30"); connection.Open(); return connection; }
string G(Guid g) => g.ToString().ToUpperInvariant();
List<Dictionary<string, object?>> Rows(string sql, params (string Name, object Value)[] parameters)
{
    using var connection = Open(database);
    using var command = new SqliteCommand(sql, connection);
    command.Parameters.AddWithValue("$t", G(tenant));
    foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
    using var reader = command.ExecuteReader();
    var rows = new List<Dictionary<string, object?>>();
    while (reader.Read())
    {
        var row = new Dictionary<string, object?>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++) row[JsonNamingPolicy.CamelCase.ConvertName(reader.GetName(i))] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        rows.Add(row);
    }
    return rows;
}

var created = 0;
(string Name, Func<Task<HttpResponseMessage>> Kernel, Func<Task<HttpResponseMessage>> Bare)[] calls =
[
    ("get one by id", () => http.GetAsync($"{k}/{id}"), () => http.GetAsync($"{b}/{id}")),
    ("list 20 sorted by name", () => http.GetAsync($"{k}?limit=20&sort=name"), () => http.GetAsync($"{b}?limit=20")),
    ("list 50 filtered by industry", () => http.GetAsync($"{k}?limit=50&filter=industry%20eq%20'Retail'&sort=id"), () => http.GetAsync($"{b}?limit=50&industry=Retail")),
    ("search by name", () => http.GetAsync($"{k}?limit=20&search=Hua"), () => http.GetAsync($"{b}?limit=20&search=Hua")),
    ("create a customer", () => http.PostAsJsonAsync(k, new { name = $"Bench customer {Interlocked.Increment(ref created)}", industry = "Retail", region = "East" }),
        () => http.PostAsJsonAsync(b, new { name = $"Bare customer {Interlocked.Increment(ref created)}", industry = "Retail", region = "East" })),
];

Console.WriteLine($"{"call (one connection)",-30} {"SalesKernel req/s",18} {"p50 ms",7} {"p99 ms",7} {"bare req/s",11} {"p50 ms",7} {"p99 ms",7} {"ratio",6} {"CPU ms/req",14}");
foreach (var (name, kernelCall, bareCall) in calls)
{
    if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
    var (kernelResult, bareResult) = (new Phase(), new Phase());
    await kernelCall(); await bareCall(); // warm
    for (var round = 0; round < Rounds; round++)
    {
        await RunAsync(kernelCall, kernelResult);
        await RunAsync(bareCall, bareResult);
    }
    Console.WriteLine($"{name,-30} {kernelResult.Rate,18:F0} {kernelResult.P(0.5),7:F2} {kernelResult.P(0.99),7:F2} {bareResult.Rate,11:F0} {bareResult.P(0.5),7:F2} {bareResult.P(0.99),7:F2} " +
        $"{kernelResult.Rate / bareResult.Rate,6:F2} {kernelResult.CpuPerRequest,6:F2} vs {bareResult.CpuPerRequest:F2}");
}

async Task RunAsync(Func<Task<HttpResponseMessage>> call, Phase phase)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed.TotalSeconds < seconds)
    {
        var started = Stopwatch.GetTimestamp();
        using var answer = await call();
        if (!answer.IsSuccessStatusCode) throw new InvalidOperationException($"{answer.RequestMessage?.RequestUri} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        await answer.Content.ReadAsByteArrayAsync();
        phase.Latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
    phase.Elapsed += watch.Elapsed;
    phase.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
}

await bare.StopAsync();
await kernel.StopAsync();
try { Directory.Delete(dataPath, recursive: true); } catch (IOException) { }

internal sealed class Phase
{
    public readonly List<double> Latencies = [];
    public TimeSpan Elapsed;
    public TimeSpan Cpu;
    public double Rate => Latencies.Count / Elapsed.TotalSeconds;
    /// <summary>The process's CPU per request, client included (both sides pay the same client).</summary>
    public double CpuPerRequest => Cpu.TotalMilliseconds / Latencies.Count;
    public double P(double q) { var sorted = Latencies.Order().ToList(); return sorted[(int)Math.Min(sorted.Count - 1, sorted.Count * q)]; }
}

internal sealed class Quiet : SalesKernel.Sdk.IDemoProgress
{
    public void Advance(long by) { }
}
