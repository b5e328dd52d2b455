using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>A host whose database cannot be reached says so in one sentence and exits with 1 — no stack trace, no password.</summary>
public sealed class StartFailureTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "saleskernel-start", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _plugins.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Theory]
    [InlineData("PostgreSQL", "Host=127.0.0.1;Port=1;Username=sk;Password=not-to-be-shown-1;Timeout=2", "127.0.0.1")]
    [InlineData("SqlServer", "Server=127.0.0.1,1;Database=sk;User Id=sa;Password=not-to-be-shown-1;TrustServerCertificate=true;Connect Timeout=2", "127.0.0.1,1")]
    public async Task A_database_that_cannot_be_reached_stops_the_host_with_one_clear_sentence(string provider, string connectionString, string server)
    {
        var (exit, text) = await HostCommand.RunAsync(
        [
            Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll"),
            $"--SalesKernel:PluginsPath={_plugins.Path}", $"--SalesKernel:DataPath={_data}",
            $"--SalesKernel:Database:Provider={provider}", $"--SalesKernel:Database:ConnectionString={connectionString}",
            "--urls=http://127.0.0.1:0",
        ]);

        Assert.Equal(1, exit);
        Assert.Contains($"The database could not be opened or prepared ({provider} at {server})", text);
        Assert.Contains("Check SalesKernel:Database:ConnectionString", text);
        Assert.DoesNotContain("Unhandled exception", text);
        Assert.DoesNotContain("not-to-be-shown-1", text);
    }
}
