using System.Diagnostics;
using System.Net;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>The host executable's commands, run as a separate process on the same database.</summary>
public sealed class CliTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private async Task<(int Exit, string Output)> RunAsync(params string[] command)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll"));
        foreach (var word in command) start.ArgumentList.Add(word);
        start.ArgumentList.Add($"--SalesKernel:PluginsPath={_plugins.Path}");
        start.ArgumentList.Add($"--SalesKernel:DataPath={_db.DataPath}");
        start.ArgumentList.Add($"--SalesKernel:Database:Provider={_db.Provider}");
        start.ArgumentList.Add($"--SalesKernel:Database:ConnectionString={_db.ConnectionString}");
        start.ArgumentList.Add($"--SalesKernel:Bootstrap:AdminPassword={KernelHost.PlatformPassword}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task A_tenants_modules_are_listed_and_switched_from_the_command_line()
    {
        await using (var host = new KernelHost(_plugins, _db))
            (await host.TenantClientAsync("acme")).Dispose();

        var list = await RunAsync("tenants", "plugins", "acme");
        Assert.Equal(0, list.Exit);
        Assert.Matches(@"credit\s+on\s+customers", list.Output);

        var refused = await RunAsync("tenants", "disable", "acme", "customers");
        Assert.Equal(3, refused.Exit);
        Assert.Contains("credit need 'customers'", refused.Output);

        var disabled = await RunAsync("tenants", "disable", "acme", "credit");
        Assert.Equal(0, disabled.Exit);
        Assert.Contains("Disabled for acme: credit", disabled.Output);
        Assert.Equal(1, (await RunAsync("tenants", "frobnicate")).Exit);
        Assert.Equal(2, (await RunAsync("tenants", "plugins", "nobody")).Exit);

        await using (var host = new KernelHost(_plugins, _db))
        {
            using var acme = await host.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
            Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync("/api/credit/changes")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await acme.GetAsync("/api/customers/customers")).StatusCode);
        }
    }
}
