using System.Net;
using System.Net.Sockets;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>The host executable's commands, run as a separate process on the same database.</summary>
public sealed class CliTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers).Add(PluginFolder.Credit);
    private readonly TestDatabase _db = TestDatabase.Create();
    // a data folder no run should make: the SQLite database would be made in it
    private readonly string _untouched = Path.Combine(Path.GetTempPath(), "saleskernel-cli", Guid.NewGuid().ToString("N"));

    // a process that answers without a host ends in a few seconds; a web server would run until killed
    private static readonly TimeSpan OnItsOwn = TimeSpan.FromSeconds(60);

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
        try { Directory.Delete(_untouched, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>The host with these words, on SQLite in a data folder of its own (made only if the database is opened).</summary>
    private Task<HostRun> RunAloneAsync(params string[] words) => HostCommand.RunToExitAsync(
        HostCommand.Host([.. words, $"--SalesKernel:PluginsPath={_plugins.Path}", $"--SalesKernel:DataPath={_untouched}", "--SalesKernel:Database:Provider=Sqlite"]),
        OnItsOwn);

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
        Assert.Equal(2, (await RunAsync("tenants", "frobnicate")).Exit); // a usage error, like any unknown command
        Assert.Equal(2, (await RunAsync("tenants", "plugins", "nobody")).Exit);

        await using (var host = new KernelHost(_plugins, _db))
        {
            using var acme = await host.SignedInClientAsync(KernelHost.TenantAdminEmail("acme"), KernelHost.TenantPassword);
            Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync("/api/credit/changes")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await acme.GetAsync("/api/customers/customers")).StatusCode);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("plugins", "--help")]
    [InlineData("tenants", "--help")]
    [InlineData("tenants", "list", "--help")]
    [InlineData("tenants", "plugins", "-h")]
    [InlineData("tenants", "enable", "--help")]
    [InlineData("tenants", "disable", "--help")]
    [InlineData("seed-demo", "--help")]
    [InlineData("seed-demo", "demo", "--customers=10", "--help")]
    public async Task Help_prints_the_usage_and_exits_0_without_a_server_or_a_database(params string[] words)
    {
        var run = await RunAloneAsync(words);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains("Usage:", run.Output);
        Assert.Equal("", run.Error);
        Assert.False(Directory.Exists(_untouched), "the database was opened");
        var command = words.TakeWhile(w => !w.StartsWith('-') && w != "help" && w != "demo").ToArray();
        Assert.Contains($"SalesKernel.Host {string.Join(" ", command)}".TrimEnd(), run.Output);
        if (command is ["seed-demo"]) Assert.Contains("--customers <N>", run.Output);
        if (command is ["tenants", "enable"]) Assert.Contains("--with-dependencies", run.Output);
    }

    [Theory]
    [InlineData("'tenant'", "tenant", "lst")]
    [InlineData("'lst'", "tenants", "lst")]
    [InlineData("'--bogus'", "--bogus")]
    [InlineData("'-x'", "plugins", "-x")]
    [InlineData("'--customrs=10'", "seed-demo", "demo", "--customrs=10")]
    [InlineData("--customers must be a whole number, not 'ten'", "seed-demo", "demo", "--customers=ten")]
    [InlineData("--customers must be between 1 and", "seed-demo", "demo", "--customers=0")]
    [InlineData("'plugin'", "tenants", "enable", "acme")]
    [InlineData("'tenants' needs one of: list, plugins, enable, disable", "tenants")]
    public async Task An_unknown_command_or_option_is_refused_in_one_line_with_exit_2_and_starts_nothing(string named, params string[] words)
    {
        var run = await RunAloneAsync(words);

        Assert.True(run.Exit == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(named, line);
        Assert.Contains("--help", line);
        Assert.Equal("", run.Output); // no server log, no usage page
        Assert.False(Directory.Exists(_untouched), "the database was opened");
    }

    [Fact]
    public async Task Configuration_switches_are_not_options_and_reach_the_host_before_or_after_the_command()
    {
        await using (var host = new KernelHost(_plugins, _db))
            (await host.TenantClientAsync("acme")).Dispose();

        // the test's database named before the command (HostCommand puts it after), with a switch given as two words
        var run = await HostCommand.RunToExitAsync(
            HostCommand.Host([.. HostCommand.Arguments(_plugins, _db).Skip(1), "--environment", "Staging", "--Logging:LogLevel:Default=Debug", "tenants", "list"]),
            OnItsOwn);

        Assert.True(run.Exit == 0, run.ToString());
        Assert.Matches(@"^acme\s+acme company\s+active", run.Output);
    }

    [Fact]
    public async Task A_command_prints_its_answer_and_not_the_hosts_start_up_log()
    {
        await using (var host = new KernelHost(_plugins, _db))
            (await host.TenantClientAsync("acme")).Dispose();

        var run = await HostCommand.RunToExitAsync(HostCommand.Arguments(_plugins, _db, "plugins"), OnItsOwn);

        Assert.True(run.Exit == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.Matches(@"^(customers|credit)\s+\d+\.\d+\.\d+\s+Loaded", line));
    }

    [Theory]
    [InlineData]
    [InlineData("tenants", "list")]
    public async Task An_unknown_database_provider_stops_the_host_with_one_sentence_and_exit_1(params string[] words)
    {
        var run = await HostCommand.RunToExitAsync(
            HostCommand.Host([.. words, $"--SalesKernel:PluginsPath={_plugins.Path}", $"--SalesKernel:DataPath={_untouched}", "--SalesKernel:Database:Provider=Oracle"]),
            OnItsOwn);

        Assert.True(run.Exit == 1, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("SalesKernel:Database:Provider is 'Oracle'", line);
        Assert.Contains("Sqlite, PostgreSQL, SqlServer", line);
        Assert.DoesNotContain("   at ", run.Output + run.Error);
        Assert.DoesNotContain("Unhandled exception", run.Output + run.Error);
    }

    [Fact]
    public async Task A_port_already_taken_stops_the_server_with_one_sentence_and_exit_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await HostCommand.RunToExitAsync(HostCommand.Arguments(_plugins, _db).Append($"--urls=http://127.0.0.1:{port}"), OnItsOwn);

        Assert.True(run.Exit == 1, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("address already in use", line);
        Assert.Contains("--urls", line);
        Assert.DoesNotContain("   at ", run.Output + run.Error);
        Assert.DoesNotContain("Unhandled exception", run.Output + run.Error);
    }
}
