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

    private Task<(int Exit, string Output)> RunAsync(params string[] command) => HostCommand.RunAsync(_plugins, _db, command);

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
