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
        var run = await RunToExitAsync(arguments, TimeSpan.FromMinutes(3));
        return (run.Exit, run.Output + run.Error);
    }

    /// <summary>
    /// Runs <c>dotnet</c> with these arguments and waits for it to end on its own within <paramref name="limit"/>:
    /// its exit code, standard output and standard error. A process still running then is killed, and the test fails.
    /// </summary>
    public static async Task<HostRun> RunToExitAsync(IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in arguments) start.ArgumentList.Add(word);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"dotnet {string.Join(' ', start.ArgumentList.Skip(1))} was still running after {limit.TotalSeconds:N0} s; it printed: {await output}{await error}");
        }
        return new HostRun(process.ExitCode, await output, await error);
    }

    /// <summary>The host's path and a command's words, without any database or plugins.</summary>
    public static IEnumerable<string> Host(params string[] words) => [Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll"), .. words];

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

/// <summary>What a run of the host printed, on standard output and standard error, and its exit code.</summary>
public sealed record HostRun(int Exit, string Output, string Error)
{
    /// <summary>The lines of standard error that are not blank.</summary>
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Exit}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
