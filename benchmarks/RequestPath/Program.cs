// Request path: what a call costs through SalesKernel beside a bare minimal-API app that serves the same
// rows from the same database with plain ADO.NET (Microsoft.Data.Sqlite, or Npgsql on PostgreSQL; no EF
// Core, no pipeline). Both run on Kestrel on loopback in this process, in the Production environment; a
// demo tenant is seeded first; one HttpClient drives both, sequentially and with 16 connections, in
// interleaved rounds; CPU time is the process's per phase (the client's included, alike for both).
//   dotnet run -c Release --project benchmarks/RequestPath -- [customers=10000] [seconds per round=3] [only calls named …]
//     [--postgres="Host=…;Username=…;Password=…"]   (a database of its own is made there, and dropped after)
using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using SalesKernel.Core.Hosting;

var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var customers = positional.Length > 0 && int.TryParse(positional[0], out var c) && c >= 100 ? c : 10_000;
var seconds = positional.Length > 1 && double.TryParse(positional[1], out var s) && s > 0 ? s : 3;
var only = positional.Length > 2 ? positional[2] : null; // run only the calls whose name contains this (for profiling)
var postgresServer = args.FirstOrDefault(a => a.StartsWith("--postgres=", StringComparison.Ordinal))?["--postgres=".Length..];
var postgres = postgresServer is null ? null
    : new NpgsqlConnectionStringBuilder(postgresServer) { Database = "saleskernel_bench_" + Guid.NewGuid().ToString("N")[..12] }.ConnectionString;
const int Rounds = 3;
const int Connections = 16;
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
if (postgres is not null)
{
    builder.Configuration["SalesKernel:Database:Provider"] = "PostgreSQL";
    builder.Configuration["SalesKernel:Database:ConnectionString"] = postgres;
}
builder.WebHost.UseUrls($"http://127.0.0.1:{kernelPort}");
builder.AddSalesKernel();
var kernel = builder.Build();
kernel.UseSalesKernel();
await kernel.StartAsync();
Console.WriteLine($"database: {(postgres is null ? "SQLite (embedded)" : "PostgreSQL " + new NpgsqlConnectionStringBuilder(postgres).Host)}; " +
    $"{Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd}");
Console.Write($"seeding a demo tenant of {customers:N0} customers … ");
var seeding = Stopwatch.StartNew();
await kernel.Services.GetRequiredService<DemoSeed>().RunAsync(new DemoSeedOptions("bench", customers, 2026, "Bench-Pass-2026"), (_, _) => new Quiet(), CancellationToken.None);
Console.WriteLine($"{seeding.Elapsed.TotalSeconds:F0} s");

var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
var login = await http.PostAsJsonAsync($"http://127.0.0.1:{kernelPort}/api/auth/login", new { email = "admin@bench.example", password = "Bench-Pass-2026" });
login.EnsureSuccessStatusCode();
var token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
http.DefaultRequestHeaders.Authorization = new("Bearer", token);
var k = $"http://127.0.0.1:{kernelPort}/api/customers/customers";
async Task<List<Guid>> IdsAsync(string query) =>
    (await http.GetFromJsonAsync<JsonObject>($"{k}?{query}"))!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()).ToList();
var id = (await IdsAsync("limit=1&sort=name"))[0];
// each connection changes records of its own, on each side: 16 to update, 16 customers to churn and win back
var updated = await IdsAsync($"limit={2 * Connections}&sort=-name");
var moved = await IdsAsync($"limit={2 * Connections}&sort=name&filter={Uri.EscapeDataString("lifecycle eq 'Customer'")}");

// --- the bare baseline: the same rows, the same database, plain ADO.NET and a minimal API
var database = Path.Combine(dataPath, "saleskernel.db");
var pgSource = postgres is null ? null : NpgsqlDataSource.Create(postgres);
DbConnection Open()
{
    if (pgSource is not null) return pgSource.OpenConnection();
    var connection = new SqliteConnection($"Data Source={database};Default Timeout=30");
    connection.Open();
    return connection;
}
object G(Guid g) => pgSource is null ? g.ToString().ToUpperInvariant() : g; // SQLite stores a Guid as upper-case text
var tenant = await ScalarAsync<Guid>("SELECT \"TenantId\" FROM customers_customer LIMIT 1");
var barePort = FreePort();
var bareBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
bareBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
bareBuilder.WebHost.UseUrls($"http://127.0.0.1:{barePort}");
var bare = bareBuilder.Build();
const string Columns = "\"Id\", \"Name\", \"Industry\", \"Region\", \"Tier\", \"Lifecycle\", \"RowVersion\"";
const string ByTenant = "FROM customers_customer WHERE \"TenantId\" = @t";
bare.MapGet("/customers/{id:guid}", async (Guid id, HttpContext context) =>
{
    if ((await RowsAsync($"SELECT {Columns} {ByTenant} AND \"Id\" = @id", ("id", G(id)))).FirstOrDefault() is not { } row) return Results.NotFound();
    context.Response.Headers.ETag = $"\"{row["rowVersion"]}\"";
    return Results.Ok(row);
});
bare.MapGet("/customers", async (int limit, string? industry, string? search) => Results.Ok(new
{
    items = industry is not null
        ? await RowsAsync($"SELECT {Columns} {ByTenant} AND \"Industry\" = @i ORDER BY \"Id\" LIMIT @n", ("i", industry), ("n", limit))
        : search is not null
            ? await RowsAsync($"SELECT {Columns} {ByTenant} AND \"Name\" LIKE @q ORDER BY \"Name\", \"Id\" LIMIT @n", ("q", search + "%"), ("n", limit))
            : await RowsAsync($"SELECT {Columns} {ByTenant} ORDER BY \"Name\", \"Id\" LIMIT @n", ("n", limit)),
}));
bare.MapPost("/customers", async (JsonObject body) =>
{
    var newId = Guid.CreateVersion7();
    await ExecuteAsync("INSERT INTO customers_customer (\"Id\", \"TenantId\", \"Name\", \"Industry\", \"Region\", \"Tier\", \"Lifecycle\", \"CreatedAtUtc\", \"UpdatedAtUtc\", \"RowVersion\") " +
        "VALUES (@id, @t, @name, @industry, @region, 'Standard', 'Prospect', @now, @now, 1)",
        ("id", G(newId)), ("name", body["name"]!.GetValue<string>()), ("industry", body["industry"]?.GetValue<string>()), ("region", body["region"]?.GetValue<string>()), ("now", DateTime.UtcNow));
    return Results.Created($"/customers/{newId}", new { id = newId });
});
// an update that refuses a stale version (the If-Match), and a move between two states, each answering the row
bare.MapPatch("/customers/{id:guid}", async (Guid id, JsonObject body, HttpContext context) =>
{
    var version = long.Parse(context.Request.Headers.IfMatch.ToString().Trim('"'));
    if (await ExecuteAsync($"UPDATE customers_customer SET \"Region\" = @r, \"RowVersion\" = \"RowVersion\" + 1, \"UpdatedAtUtc\" = @now WHERE \"TenantId\" = @t AND \"Id\" = @id AND \"RowVersion\" = @v",
        ("r", body["region"]!.GetValue<string>()), ("now", DateTime.UtcNow), ("id", G(id)), ("v", version)) == 0) return Results.StatusCode(412);
    var row = (await RowsAsync($"SELECT {Columns} {ByTenant} AND \"Id\" = @id", ("id", G(id))))[0];
    context.Response.Headers.ETag = $"\"{row["rowVersion"]}\"";
    return Results.Ok(row);
});
bare.MapPost("/customers/{id:guid}/move", async (Guid id) =>
{
    await ExecuteAsync("UPDATE customers_customer SET \"Lifecycle\" = CASE WHEN \"Lifecycle\" = 'Churned' THEN 'Customer' ELSE 'Churned' END, " +
        "\"RowVersion\" = \"RowVersion\" + 1, \"UpdatedAtUtc\" = @now WHERE \"TenantId\" = @t AND \"Id\" = @id", ("now", DateTime.UtcNow), ("id", G(id)));
    return Results.Ok((await RowsAsync($"SELECT {Columns} {ByTenant} AND \"Id\" = @id", ("id", G(id))))[0]);
});
await bare.StartAsync();
var b = $"http://127.0.0.1:{barePort}/customers";

DbCommand Command(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
{
    var command = connection.CreateCommand();
    command.CommandText = sql;
    foreach (var (name, value) in parameters.Prepend(("t", G(tenant))))
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
    return command;
}
async Task<List<Dictionary<string, object?>>> RowsAsync(string sql, params (string Name, object? Value)[] parameters)
{
    await using var connection = Open();
    await using var command = Command(connection, sql, parameters);
    await using var reader = await command.ExecuteReaderAsync();
    var rows = new List<Dictionary<string, object?>>();
    while (await reader.ReadAsync())
    {
        var row = new Dictionary<string, object?>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++) row[JsonNamingPolicy.CamelCase.ConvertName(reader.GetName(i))] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        rows.Add(row);
    }
    return rows;
}
async Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
{
    await using var connection = Open();
    await using var command = Command(connection, sql, parameters);
    return await command.ExecuteNonQueryAsync();
}
async Task<T> ScalarAsync<T>(string sql)
{
    await using var connection = Open();
    await using var command = connection.CreateCommand();
    command.CommandText = sql;
    var value = await command.ExecuteScalarAsync();
    return value is T t ? t : (T)(object)Guid.Parse((string)value!);
}

// what each connection holds between its calls: the ETag of its record, the state of its customer
var etags = new ConcurrentDictionary<(bool Kernel, int Worker), string>();
var churned = new ConcurrentDictionary<int, bool>();
async Task<string> ETagAsync(bool kernelSide, int worker)
{
    if (etags.TryGetValue((kernelSide, worker), out var etag)) return etag;
    using var answer = await http.GetAsync($"{(kernelSide ? k : b)}/{updated[worker]}");
    return answer.Headers.ETag!.ToString();
}
async Task<HttpResponseMessage> PatchAsync(string url, bool kernelSide, int worker)
{
    using var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(new { region = $"Region {Random.Shared.Next(100)}" }) };
    request.Headers.TryAddWithoutValidation("If-Match", await ETagAsync(kernelSide, worker));
    var answer = await http.SendAsync(request);
    if (answer.Headers.ETag is { } next) etags[(kernelSide, worker)] = next.ToString();
    return answer;
}
Task<HttpResponseMessage> TransitionAsync(int worker)
{
    var churn = !churned.GetValueOrDefault(worker);
    churned[worker] = churn;
    return http.PostAsJsonAsync($"{k}/{moved[worker]}/transitions/{(churn ? "churn" : "win-back")}", new { comment = "benchmark" });
}

var created = 0;
(string Name, bool Read, Func<int, Task<HttpResponseMessage>> Kernel, Func<int, Task<HttpResponseMessage>> Bare)[] calls =
[
    ("get one by id", true, _ => http.GetAsync($"{k}/{id}"), _ => http.GetAsync($"{b}/{id}")),
    ("list 20 sorted by name", true, _ => http.GetAsync($"{k}?limit=20&sort=name"), _ => http.GetAsync($"{b}?limit=20")),
    ("list 50 filtered by industry", true, _ => http.GetAsync($"{k}?limit=50&filter=industry%20eq%20'Retail'&sort=id"), _ => http.GetAsync($"{b}?limit=50&industry=Retail")),
    ("search by name", true, _ => http.GetAsync($"{k}?limit=20&search=Hua"), _ => http.GetAsync($"{b}?limit=20&search=Hua")),
    ("create a customer", false, _ => http.PostAsJsonAsync(k, new { name = $"Bench customer {Interlocked.Increment(ref created)}", industry = "Retail", region = "East" }),
        _ => http.PostAsJsonAsync(b, new { name = $"Bare customer {Interlocked.Increment(ref created)}", industry = "Retail", region = "East" })),
    ("update with If-Match", false, w => PatchAsync($"{k}/{updated[w]}", true, w), w => PatchAsync($"{b}/{updated[Connections + w]}", false, Connections + w)),
    ("run a transition", false, TransitionAsync, w => http.PostAsync($"{b}/{moved[Connections + w]}/move", null)),
];

var sequential = new Dictionary<string, (double Kernel, double Bare)>();
foreach (var connections in new[] { 1, Connections })
{
    Console.WriteLine();
    Console.WriteLine($"{(connections == 1 ? "call (one connection)" : $"call ({connections} connections)"),-30} {"SalesKernel req/s",18} {"p50 ms",7} {"p99 ms",7} {"bare req/s",11} {"p50 ms",7} {"p99 ms",7} {"ratio",6} {"CPU ms/req",14}");
    foreach (var (name, _, kernelCall, bareCall) in calls)
    {
        if (only is not null && !name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
        var (kernelResult, bareResult) = (new Phase(), new Phase());
        await Check(await kernelCall(0)); await Check(await bareCall(0)); // warm
        for (var round = 0; round < Rounds; round++)
        {
            await RunAsync(kernelCall, kernelResult, connections);
            await RunAsync(bareCall, bareResult, connections);
        }
        Console.WriteLine($"{name,-30} {kernelResult.Rate,18:F0} {kernelResult.P(0.5),7:F2} {kernelResult.P(0.99),7:F2} {bareResult.Rate,11:F0} {bareResult.P(0.5),7:F2} {bareResult.P(0.99),7:F2} " +
            $"{kernelResult.Rate / bareResult.Rate,6:F2} {kernelResult.CpuPerRequest,6:F2} vs {bareResult.CpuPerRequest:F2}");
        if (connections == 1) sequential[name] = (kernelResult.Rate, bareResult.Rate);
        else if (sequential.TryGetValue(name, out var one))
            Console.WriteLine($"{"",30}   {connections} connections: SalesKernel {kernelResult.Rate / one.Kernel:F2}× its sequential rate, bare {bareResult.Rate / one.Bare:F2}×");
    }
}

GC.Collect();
Console.WriteLine();
Console.WriteLine($"this process (SalesKernel, the bare app and the client) after the run: {Environment.WorkingSet / 1024 / 1024} MiB working set, {GC.GetTotalMemory(true) / 1024 / 1024} MiB managed");

async Task RunAsync(Func<int, Task<HttpResponseMessage>> call, Phase phase, int connections)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
    {
        var latencies = new List<double>();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            var started = Stopwatch.GetTimestamp();
            await Check(await call(worker));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        lock (phase) phase.Latencies.AddRange(latencies);
    })));
    phase.Elapsed += watch.Elapsed;
    phase.Cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu;
}

static async Task Check(HttpResponseMessage answer)
{
    using (answer)
    {
        if (!answer.IsSuccessStatusCode) throw new InvalidOperationException($"{answer.RequestMessage?.Method} {answer.RequestMessage?.RequestUri} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        await answer.Content.ReadAsByteArrayAsync();
    }
}

await bare.StopAsync();
await kernel.StopAsync();
if (pgSource is not null)
{
    await pgSource.DisposeAsync();
    NpgsqlConnection.ClearAllPools();
    await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres" }.ConnectionString);
    await server.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{new NpgsqlConnectionStringBuilder(postgres).Database}\" WITH (FORCE)", server);
    await drop.ExecuteNonQueryAsync();
}
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
