using System.Diagnostics;

namespace SalesKernel.Tests.Infrastructure;

/// <summary>Runs the host executable's command line as a separate process, on a test's plugins and database.</summary>
public static class HostCommand
{
    public static async Task<(int Exit, string Output)> RunAsync(PluginFolder plugins, TestDatabase db, params string[] command)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll"));
        foreach (var word in command) start.ArgumentList.Add(word);
        start.ArgumentList.Add($"--SalesKernel:PluginsPath={plugins.Path}");
        start.ArgumentList.Add($"--SalesKernel:DataPath={db.DataPath}");
        start.ArgumentList.Add($"--SalesKernel:Database:Provider={db.Provider}");
        start.ArgumentList.Add($"--SalesKernel:Database:ConnectionString={db.ConnectionString}");
        start.ArgumentList.Add($"--SalesKernel:Bootstrap:AdminPassword={KernelHost.PlatformPassword}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
