using System.Diagnostics;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>Runs the host executable's command line as a separate process, on a test's plugins and database.</summary>
public static class HostCommand
{
    public static Task<(int Exit, string Output)> RunAsync(PluginFolder plugins, TestDatabase db, params string[] command) =>
        RunAsync(Arguments(plugins, db, command));

    /// <summary>Runs <c>dotnet</c> with these arguments to its exit (at most three minutes): its exit code and everything it printed.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in arguments) start.ArgumentList.Add(word);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>The arguments of <c>dotnet</c> that run the host's command on a test's plugins and database.</summary>
    public static IEnumerable<string> Arguments(PluginFolder plugins, TestDatabase db, params string[] command)
    {
        yield return Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll");
        foreach (var word in command) yield return word;
        yield return $"--SalesKernel:PluginsPath={plugins.Path}";
        yield return $"--SalesKernel:DataPath={db.DataPath}";
        yield return $"--SalesKernel:Database:Provider={db.Provider}";
        yield return $"--SalesKernel:Database:ConnectionString={db.ConnectionString}";
        yield return $"--SalesKernel:Bootstrap:AdminPassword={KernelHost.PlatformPassword}";
        yield return "--SalesKernel:Database:StrictQueries=true";
    }
}
