using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Telemetry;

/// <summary>
/// The host as operators run it, as its own process: logs as JSON lines carrying the trace id of the
/// request that wrote them (the caller's, from its <c>traceparent</c>), and a scrape endpoint with
/// ASP.NET Core's meters beside the kernel's — alone in its process, so nothing of other tests' hosts
/// is in its figures.
/// </summary>
public sealed class ProcessTelemetryTests : IDisposable
{
    private const string ScrapeToken = "scrape-token-of-the-process-test-0123456789";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_host_logs_JSON_lines_with_the_requests_trace_id_and_serves_ASP_NET_Cores_meters_with_its_own()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" } };
        foreach (var word in HostCommand.Arguments(_plugins, _db)) start.ArgumentList.Add(word);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add("--SalesKernel:Logging:Format=Json");
        start.ArgumentList.Add($"--SalesKernel:Telemetry:ScrapeToken={ScrapeToken}");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information");
        var lines = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lines.Enqueue(line); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        async Task<HttpStatusCode?> StatusAsync(HttpRequestMessage request)
        {
            try { using var answer = await http.SendAsync(request); return answer.StatusCode; }
            catch (HttpRequestException) { return null; }
        }
        try
        {
            Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync(new HttpRequestMessage(HttpMethod.Get, "/health/ready")) == HttpStatusCode.OK,
                TimeSpan.FromSeconds(90)), "the host never became ready:\n" + string.Join("\n", lines));

            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            var traced = new HttpRequestMessage(HttpMethod.Get, "/api/customers/customers");
            traced.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(traced));

            // every line the loggers wrote is one JSON object; the request's carry its trace id
            JsonObject? Entry(string line) => line.StartsWith('{') ? JsonNode.Parse(line)!.AsObject() : null;
            bool Carries(JsonObject entry, string id) =>
                entry["Scopes"] is JsonArray scopes && scopes.OfType<JsonObject>().Any(s => (string?)s["TraceId"] == id);
            Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(lines.Select(Entry).Any(e => e is not null && Carries(e, traceId)))),
                "no log line carried the request's trace id:\n" + string.Join("\n", lines));
            var request = lines.Select(Entry).First(e => e is not null && Carries(e, traceId))!;
            Assert.Equal("Microsoft.AspNetCore.Hosting.Diagnostics", (string?)request["Category"]);
            Assert.NotNull((string?)request["Timestamp"]);
            Assert.Contains("/api/customers/customers", (string?)request["Message"]);
            // the logging itself is JSON from the start (the kernel's own categories too); what is not JSON is the host's banner
            var entries = lines.Select(Entry).Where(e => e is not null).ToList();
            Assert.Contains(entries, e => ((string?)e!["Category"])?.StartsWith("SalesKernel", StringComparison.Ordinal) == true);

            var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            scrape.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
            using var scraped = await http.SendAsync(scrape);
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            var text = await scraped.Content.ReadAsStringAsync();
            // ASP.NET Core's request meter, with the request just made among its samples
            Assert.Contains("http_server_request_duration_seconds_count{", text);
            Assert.Contains(text.Split('\n'), l => l.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
                && l.Contains("http_response_status_code=\"401\"", StringComparison.Ordinal));
            Assert.Contains("saleskernel_plugins{", text);
            Assert.DoesNotContain(ScrapeToken, string.Join("\n", lines));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
