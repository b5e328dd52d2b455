// Scale-out: the same read load through one, two and three SalesKernel hosts on one PostgreSQL database.
// Each host is a process of its own on Kestrel (this program, started again with --serve), in the
// Production environment, sharing the key ring through the database; the client spreads its requests
// round-robin over the hosts in the rotation, as a balancer would. A demo tenant is seeded first. Printed
// per host count: requests per second of a get by id and of a list of 20 sorted by name, the ratio to one
// host, and how busy the machine's cores were (what the limit is: the cores, or PostgreSQL).
//   dotnet run -c Release --project benchmarks/ScaleOut -- --postgres="Host=…;Username=…;Password=…" [customers=10000] [seconds=5] [connections=32]
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;
using SalesKernel.Core.Hosting;

if (args.Length >= 4 && args[0] == "--serve")
{
    var host = Host(args[1], args[2], int.Parse(args[3]));
    host.UseSalesKernel();
    await host.RunAsync();
    return 0;
}

var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
var customers = positional.Length > 0 && int.TryParse(positional[0], out var c) && c >= 100 ? c : 10_000;
var seconds = positional.Length > 1 && double.TryParse(positional[1], out var s) && s > 0 ? s : 5;
var connections = positional.Length > 2 && int.TryParse(positional[2], out var n) && n > 0 ? n : 32;
var server = args.FirstOrDefault(a => a.StartsWith("--postgres=", StringComparison.Ordinal))?["--postgres=".Length..];
if (server is null)
{
    Console.Error.WriteLine("Scale-out runs on PostgreSQL (SQLite is one host's database): --postgres=\"Host=…;Username=…;Password=…\"");
    return 2;
}
try
{
    await using var probe = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
    await probe.OpenAsync();
}
catch (Exception e) when (e is NpgsqlException or ArgumentException)
{
    Console.Error.WriteLine($"PostgreSQL could not be reached with the given connection string: {e.Message}");
    return 2;
}
var database = "saleskernel_scale_" + Guid.NewGuid().ToString("N")[..12];
var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
var dataRoot = Path.Combine(Path.GetTempPath(), "saleskernel-scale", Guid.NewGuid().ToString("N"));
const int MaxHosts = 3;
var processes = new List<Process>();
try
{
    // the schema and the demo tenant, made in this process before any host starts
    await using (var seeder = Host(connectionString, Path.Combine(dataRoot, "seed"), FreePort()))
    {
        seeder.UseSalesKernel();
        await seeder.StartAsync();
        Console.WriteLine($"PostgreSQL {new NpgsqlConnectionStringBuilder(server).Host}; {Environment.ProcessorCount} cores; {connections} connections; {DateTime.UtcNow:yyyy-MM-dd}");
        Console.Write($"seeding a demo tenant of {customers:N0} customers … ");
        var seeding = Stopwatch.StartNew();
        await seeder.Services.GetRequiredService<DemoSeed>().RunAsync(new DemoSeedOptions("bench", customers, 2026, "Bench-Pass-2026"), (_, _) => new Quiet(), CancellationToken.None);
        Console.WriteLine($"{seeding.Elapsed.TotalSeconds:F0} s");
        await seeder.StopAsync();
    }

    var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
    var urls = new List<string>();
    string? token = null;
    List<Guid> ids = [];
    var baseline = (Get: 0.0, List: 0.0);
    Console.WriteLine();
    Console.WriteLine("| hosts | get by id req/s | × one host | list 20 req/s | × one host | cores busy |");
    Console.WriteLine("|---|---|---|---|---|---|");
    for (var hosts = 1; hosts <= MaxHosts; hosts++)
    {
        var port = FreePort();
        processes.Add(Serve(connectionString, Path.Combine(dataRoot, "host" + hosts), port));
        urls.Add($"http://127.0.0.1:{port}");
        await ReadyAsync(http, urls[^1]);
        if (token is null)
        {
            var login = await http.PostAsJsonAsync($"{urls[0]}/api/auth/login", new { email = "admin@bench.example", password = "Bench-Pass-2026" });
            login.EnsureSuccessStatusCode();
            token = (await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            ids = (await http.GetFromJsonAsync<JsonObject>($"{urls[0]}/api/customers/customers?limit=200&sort=name"))!["items"]!.AsArray()
                .Select(i => i!["id"]!.GetValue<Guid>()).ToList();
        }
        var get = await LoadAsync(http, urls, connections, seconds, (u, i) => $"{u}/api/customers/customers/{ids[i % ids.Count]}");
        var list = await LoadAsync(http, urls, connections, seconds, (u, _) => $"{u}/api/customers/customers?limit=20&sort=name");
        if (hosts == 1) baseline = (get.PerSecond, list.PerSecond);
        Console.WriteLine($"| {hosts} | {get.PerSecond:N0} | {get.PerSecond / baseline.Get:F2} | {list.PerSecond:N0} | {list.PerSecond / baseline.List:F2} | {(get.Busy + list.Busy) / 2:P0} |");
    }
    return 0;
}
finally
{
    foreach (var process in processes)
    {
        try { process.Kill(entireProcessTree: true); process.WaitForExit(10_000); } catch (InvalidOperationException) { }
    }
    NpgsqlConnection.ClearAllPools();
    await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString))
    {
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
    try { Directory.Delete(dataRoot, recursive: true); } catch (IOException) { }
}

static WebApplication Host(string connectionString, string dataPath, int port)
{
    Directory.CreateDirectory(dataPath);
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Configuration["SalesKernel:PluginsPath"] = Path.Combine(AppContext.BaseDirectory, "plugins");
    builder.Configuration["SalesKernel:DataPath"] = dataPath;
    builder.Configuration["SalesKernel:Bootstrap:AdminPassword"] = "Bench-Admin-2026";
    builder.Configuration["SalesKernel:Database:Provider"] = "PostgreSQL";
    builder.Configuration["SalesKernel:Database:ConnectionString"] = connectionString;
    builder.Configuration["SalesKernel:Keys:Store"] = "Database"; // a token from one host is good on every host
    builder.Configuration["SalesKernel:Shutdown:DrainSeconds"] = "0";
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    builder.AddSalesKernel();
    return builder.Build();
}

static Process Serve(string connectionString, string dataPath, int port)
{
    // this program again, as a host of its own: under `dotnet run` the process path is the app itself
    var self = Environment.ProcessPath!;
    var info = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(Quiet).Assembly.Location);
    foreach (var a in new[] { "--serve", connectionString, dataPath, port.ToString(System.Globalization.CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
    var process = Process.Start(info)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine($"host {port}: {line}"); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task ReadyAsync(HttpClient http, string url)
{
    var waited = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            if ((await http.GetAsync($"{url}/health/ready")).IsSuccessStatusCode) return;
        }
        catch (HttpRequestException) { }
        if (waited.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"{url} did not get ready");
        await Task.Delay(200);
    }
}

// `connections` workers for `seconds`, each sending its next request to the next host in turn;
// busy is the share of the machine's cores in use meanwhile (every process: hosts, PostgreSQL, client)
static async Task<(double PerSecond, double Busy)> LoadAsync(HttpClient http, List<string> urls, int connections, double seconds, Func<string, int, string> address)
{
    await RunAsync(TimeSpan.FromSeconds(1)); // warm-up: plans, snapshots, connections
    var before = CpuTicks();
    var clock = Stopwatch.StartNew();
    var done = await RunAsync(TimeSpan.FromSeconds(seconds));
    var elapsed = clock.Elapsed.TotalSeconds;
    var after = CpuTicks();
    var busy = after.Total == before.Total ? 0 : 1 - (double)(after.Idle - before.Idle) / (after.Total - before.Total);
    return (done / elapsed, busy);

    async Task<long> RunAsync(TimeSpan length)
    {
        long count = 0, next = 0;
        var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var i = (int)Interlocked.Increment(ref next);
                using var response = await http.GetAsync(address(urls[i % urls.Count], i));
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{response.RequestMessage!.RequestUri} answered {(int)response.StatusCode}");
                await response.Content.CopyToAsync(Stream.Null);
                Interlocked.Increment(ref count);
            }
        }));
        return count;
    }
}

// the machine's CPU time from /proc/stat (Linux): all and idle (idle + iowait), in clock ticks
static (long Total, long Idle) CpuTicks()
{
    if (!File.Exists("/proc/stat")) return (0, 0);
    var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
    return (fields.Sum(), fields[3] + fields[4]);
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

internal sealed class Quiet : SalesKernel.Sdk.IDemoProgress
{
    public void Advance(long by) { }
}
