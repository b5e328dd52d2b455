using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>
/// The host as a balancer sees it, run as its own process on Kestrel: live and ready while serving;
/// on SIGTERM not ready at once, still serving every request through the drain time, then gone with exit 0.
/// </summary>
public sealed class GracefulShutdownTests : IDisposable
{
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
    public async Task On_SIGTERM_the_host_reports_not_ready_keeps_serving_through_the_drain_and_exits_cleanly()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Production" } };
        foreach (var word in HostCommand.Arguments(_plugins, _db)) start.ArgumentList.Add(word);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add("--SalesKernel:Shutdown:DrainSeconds=4");
        start.ArgumentList.Add($"--SalesKernel:Bootstrap:AdminEmail={KernelHost.PlatformEmail}");
        start.ArgumentList.Add("--Logging:LogLevel:SalesKernel.Host=Information");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        async Task<HttpStatusCode?> StatusAsync(string url)
        {
            try { using var answer = await http.GetAsync(url); return answer.StatusCode; }
            catch (HttpRequestException) { return null; }
        }
        try
        {
            Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync("/health/ready") == HttpStatusCode.OK, TimeSpan.FromSeconds(90)),
                "the host never became ready");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health/live"));

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) await term.WaitForExitAsync();
            // the balancer is told at once …
            Assert.True(await Eventually.HoldsAsync(async () => await StatusAsync("/health/ready") == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(3)),
                "ready did not turn 503 on SIGTERM");
            // … while the host still answers what reaches it, database work included
            Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health/live"));
            using var signIn = await http.PostAsJsonAsync("/api/auth/login", new { email = KernelHost.PlatformEmail, password = KernelHost.PlatformPassword });
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            Assert.False(process.HasExited);

            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exit.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("still serving for 4 s", await output + await errors);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Ready_means_the_database_answers_and_its_schema_is_the_one_this_host_needs()
    {
        await using var host = new KernelHost(_plugins, _db);
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        // another host upgraded the kernel's tables: this one is alive but must not take requests
        await _db.ScalarAsync("UPDATE sk_schema_history SET \"Version\" = '99.0.0' WHERE \"Owner\" = 'kernel'");
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}
