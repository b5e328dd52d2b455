using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Host;

/// <summary>
/// docs/walkthrough.md is an executable specification: its commands run in order, as written, by one
/// bash process against a fresh host on a fresh database; a command that fails, an answer with another
/// status than the document shows (or an error where it shows none), or an answer that lacks a field the
/// document shows fails the test. Values that follow today's date or the demo's random seed are not
/// compared. Two things are set for the run and not written in the document: the database and plugins
/// the host uses (environment variables, so that a developer's own database is never touched) and the
/// port, when 5080 is taken. <c>dotnet run --project host/SalesKernel.Host</c> runs the host the tests
/// built, and the command that starts the web server runs in the background until it is ready.
/// </summary>
public sealed class WalkthroughTests : IDisposable
{
    private readonly PluginFolder _plugins = new();
    private readonly TestDatabase _db = TestDatabase.Create();
    private readonly string _work = Directory.CreateTempSubdirectory("saleskernel-walkthrough-").FullName;

    public WalkthroughTests()
    {
        // every plugin the product ships, as the README's run command has them
        foreach (var plugin in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "plugins"), "SalesKernel.Plugins.*"))
            _plugins.Add(Path.GetFileName(plugin));
    }

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "walkthrough.md"))) return dir.FullName;
        throw new InvalidOperationException("docs/walkthrough.md not found above " + AppContext.BaseDirectory);
    }

    private static int Port()
    {
        // the document's own port when it is free (as on CI), another one when a developer's host holds it
        foreach (var port in new[] { 5080, 0 })
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                var chosen = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                return chosen;
            }
            catch (SocketException) when (port != 0)
            {
            }
        }
        throw new InvalidOperationException("no free port");
    }

    [Fact]
    public async Task The_walkthrough_runs_as_written_and_every_answer_has_what_the_document_shows()
    {
        foreach (var tool in new[] { "curl", "jq" })
            Assert.True(File.Exists($"/usr/bin/{tool}") || File.Exists($"/usr/local/bin/{tool}"),
                $"the walkthrough's commands use {tool}: install it (apt-get install curl jq; .ci/run does)");
        var root = RepositoryRoot();
        var document = ShellDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "docs", "walkthrough.md")));
        Assert.True(document.Steps.Count > 30, $"only {document.Steps.Count} commands found in the walkthrough");
        var port = Port();
        var script = Script(document, port);
        await File.WriteAllTextAsync(Path.Combine(_work, "walkthrough.sh"), script);

        var start = new ProcessStartInfo("bash", [Path.Combine(_work, "walkthrough.sh")])
        {
            WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["SK_HOST_DLL"] = Path.Combine(AppContext.BaseDirectory, "SalesKernel.Host.dll");
        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // as dotnet run's launch profile
        start.Environment["SalesKernel__PluginsPath"] = _plugins.Path;
        start.Environment["SalesKernel__DataPath"] = _db.DataPath;
        start.Environment["SalesKernel__Database__Provider"] = _db.Provider;
        start.Environment["SalesKernel__Database__ConnectionString"] = _db.ConnectionString;
        start.Environment["SalesKernel__Database__StrictQueries"] = "true";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var error = bash.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6)))
        {
            try
            {
                await bash.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                bash.Kill(entireProcessTree: true);
                throw new Xunit.Sdk.XunitException($"the walkthrough did not end within 6 minutes: {await output} {await error} {Read("host.log")}");
            }
        }
        Assert.True(bash.ExitCode == 0, $"the walkthrough's script failed ({bash.ExitCode}): {await output}\n{await error}\n{Read("host.log")}");

        var failures = new List<string>();
        foreach (var step in document.Steps)
        {
            var failure = Check(step);
            if (failure is not null) failures.Add($"{step}\n  {failure}\n  stdout: {Trim(Read($"{step.Number}.out"))}\n  stderr: {Trim(Read($"{step.Number}.err"))}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {document.Steps.Count} commands of docs/walkthrough.md do not do what it shows:\n\n"
            + string.Join("\n\n", failures) + $"\n\nhost log: {Trim(Read("host.log"), 3000)}");
        // the host does not name its server software
        Assert.DoesNotContain("server:", Read("headers").ToLowerInvariant());
        Assert.Contains("200", Read("headers").Split('\n')[0]);
    }

    private string? Check(ShellDocument.Step step)
    {
        if (!File.Exists(Path.Combine(_work, $"{step.Number}.rc"))) return "did not run";
        var rc = Read($"{step.Number}.rc").Trim();
        if (rc != "0") return $"exited with {rc}";
        var statuses = Read($"{step.Number}.status").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        if (step.ExpectedStatus is { } status)
        {
            if (!statuses.Contains(status)) return $"the document shows {status}; the host answered {string.Join(", ", statuses)}";
        }
        else if (statuses.FirstOrDefault(s => s is < 200 or > 299) is var bad and not 0)
            return $"answered {bad}, and the document shows no error";

        if (step.Expected.Count == 0) return null;
        var output = Read($"{step.Number}.out");
        var shown = step.Expected.Select(line => Regex.Replace(line, @"^\d{3}\s+", "")).ToList();
        if (shown.FirstOrDefault(l => l.Length > 0) is { } first && (first.StartsWith('{') || first.StartsWith('[')))
        {
            var missing = ShellDocument.ShownKeys(shown).Except(ShellDocument.Keys(output)).ToList();
            return missing.Count == 0 ? null : $"the answer lacks {string.Join(", ", missing)}, which the document shows";
        }
        // a text answer: every line the document shows that holds no figures (times, counts) is in it
        static string Words(string text) => Regex.Replace(text, @"\s+", " ").Trim();
        var said = Words(output);
        var lost = shown.Where(l => l.Length > 0 && !l.Contains('…') && !l.Any(char.IsDigit)).Select(Words).Where(l => !said.Contains(l)).ToList();
        return lost.Count == 0 ? null : $"the answer lacks the lines: {string.Join(" | ", lost)}";
    }

    private string Read(string file) => File.Exists(Path.Combine(_work, file)) ? File.ReadAllText(Path.Combine(_work, file)) : "";

    private static string Trim(string text, int max = 1200) => text.Length <= max ? text : text[..max] + " …";

    /// <summary>One bash script: helpers that note each HTTP status and run the tests' host, then each command with its output kept.</summary>
    private string Script(ShellDocument document, int port)
    {
        var work = _work;
        var script = new StringBuilder($$"""
            set -o pipefail
            __work='{{work}}'
            __status="$__work/none.status"
            # curl as written, and the status of each answer noted for the command that asked
            curl() {
              local __body __code __rc
              __body=$(mktemp)
              __code=$(command curl -w '%{http_code}' -o "$__body" "$@"); __rc=$?
              cat "$__body"; rm -f "$__body"
              printf '%s\n' "$__code" >> "$__status"
              return $__rc
            }
            # dotnet run --project host/SalesKernel.Host [-- args]: the host the tests built
            dotnet() {
              if [ "$1" = run ] && [ "$2" = --project ] && [ "$3" = host/SalesKernel.Host ]; then
                shift 3; [ "$1" = -- ] && shift
                # from the project's folder, as dotnet run: its appsettings.json is the host's
                (cd host/SalesKernel.Host && command dotnet "$SK_HOST_DLL" "$@")
              else
                command dotnet "$@"
              fi
            }
            __ready() {
              for __i in $(seq 1 1200); do
                command curl -sf "localhost:{{port}}/health/ready" >/dev/null && return 0
                kill -0 "$__host" 2>/dev/null || { echo "the host stopped" >&2; return 1; }
                sleep 0.1
              done
              echo "the host was not ready within two minutes" >&2; return 1
            }
            __host=
            trap '[ -n "$__host" ] && kill "$__host" 2>/dev/null; wait 2>/dev/null' EXIT

            """);
        foreach (var step in document.Steps)
        {
            var command = step.Command.Replace("localhost:5080", $"localhost:{port}");
            if (command.Trim() == "dotnet run --project host/SalesKernel.Host")
                command = "(cd host/SalesKernel.Host && exec dotnet \"$SK_HOST_DLL\") > \"$__work/host.log\" 2>&1 &\n__host=$!\n__ready";
            script.Append($"""
                __status="$__work/{step.Number}.status"; : > "$__status"
                {"{"}
                {command}
                {"}"} > "$__work/{step.Number}.out" 2> "$__work/{step.Number}.err"
                echo $? > "$__work/{step.Number}.rc"

                """);
        }
        script.Append($"command curl -sI \"localhost:{port}/health\" > \"$__work/headers\"\n");
        return script.ToString();
    }
}
