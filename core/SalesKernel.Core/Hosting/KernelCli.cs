using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;
using Spectre.Console;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// The host executable's command line (System.CommandLine): no command runs the web server; a command
/// (<c>plugins</c>, <c>tenants …</c>, <c>seed-demo …</c>) runs instead of it, against the configured
/// database: <c>dotnet run --project host/SalesKernel.Host -- tenants enable acme credit</c>.
/// Configuration switches (<c>--SalesKernel:Section:Key=value</c>, <c>--urls=…</c>, <c>--environment=…</c>)
/// go to the host's configuration, before or after the command.
/// </summary>
/// <remarks>
/// Exit codes: 0 done; 1 the host could not start or the command failed; 2 a usage error (unknown
/// command or option, a value it cannot take, an unknown tenant or plugin); 3 refused by a rule.
/// </remarks>
public sealed class KernelCli
{
    /// <summary>The exit code of a command line that is not understood.</summary>
    public const int UsageError = 2;

    // the keys of the web host's own settings, which have no section (--urls=…, --environment=…, --contentRoot=…)
    private static readonly HashSet<string> HostKeys = typeof(WebHostDefaults).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Concat(typeof(HostDefaults).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private readonly RootCommand _root;
    private readonly ParseResult _parsed;
    private readonly HashSet<Command> _needHost = [];
    private WebApplication? _app;
    private TextWriter _output = TextWriter.Null;

    private KernelCli(IReadOnlyList<string> args)
    {
        var (command, host) = Split(args);
        HostArguments = host;
        _root = Define();
        _parsed = _root.Parse(command, new ParserConfiguration { ResponseFileTokenReplacer = null });
    }

    /// <summary>Reads the command line; nothing runs yet.</summary>
    public static KernelCli Parse(IReadOnlyList<string> args) => new(args);

    /// <summary>The configuration switches, for <c>WebApplication.CreateBuilder</c>.</summary>
    public string[] HostArguments { get; }

    /// <summary>A command runs instead of the web server.</summary>
    public bool IsCommand => _parsed.CommandResult.Command != _root;

    /// <summary>
    /// Answers what needs no host — help (exit 0) or a usage error (one line on <paramref name="error"/>, exit 2) —
    /// and returns its exit code; <see langword="null"/> when the host is to be built and <see cref="RunAsync"/> called.
    /// </summary>
    public int? Answer(TextWriter output, TextWriter error)
    {
        var action = _parsed.Action;
        if (action is ParseErrorAction || (action is null && _parsed.Errors.Count > 0))
        {
            error.WriteLine(UsageMessage());
            return UsageError;
        }
        if (action is not null && action == _parsed.CommandResult.Command.Action && _needHost.Contains(_parsed.CommandResult.Command))
            return null;
        return _parsed.Invoke(Invocation(output, error));
    }

    /// <summary>
    /// Runs the command against <paramref name="app"/>'s services, or the web server until it stops; returns the
    /// process exit code. A port that is already taken is a <see cref="KernelStartException"/>.
    /// </summary>
    public async Task<int> RunAsync(WebApplication app, TextWriter output)
    {
        _app = app;
        _output = output;
        try
        {
            return await _parsed.InvokeAsync(Invocation(output, Console.Error));
        }
        catch (CliException e)
        {
            output.WriteLine(e.Message);
            return UsageError;
        }
        catch (System.Data.Common.DbException e) when (IsCommand)
        {
            Console.Error.WriteLine($"The command failed: the database answered: {Sentence(e.Message)}");
            return 1;
        }
        catch (IOException e) when (IsAddressInUse(e))
        {
            throw new KernelStartException($"The web server could not start: {Sentence(e.Message)} Stop the process that listens there, or choose another address with --urls.", e);
        }
    }

    /// <summary>
    /// Logging for the run this command line asks for: a command logs warnings and errors only (its answer
    /// is its output); the web server does not log a port already taken with a stack trace (it is said in one sentence).
    /// </summary>
    public void ConfigureLogging(ILoggingBuilder logging)
    {
        if (IsCommand)
        {
            // after the configuration's rules (appsettings.json's "Default": "Information" is one): none below Warning
            logging.Services.PostConfigure<LoggerFilterOptions>(o =>
            {
                if (o.MinLevel < LogLevel.Warning) o.MinLevel = LogLevel.Warning;
                var rules = o.Rules.Select(r => r.LogLevel is null or < LogLevel.Warning
                    ? new LoggerFilterRule(r.ProviderName, r.CategoryName, LogLevel.Warning, r.Filter) : r).ToList();
                o.Rules.Clear();
                foreach (var rule in rules) o.Rules.Add(rule);
            });
        }
        logging.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new StartFailureQuietLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>()))));
    }

    private RootCommand Define()
    {
        var root = new RootCommand("""
            SalesKernel: with no command, runs the web server; a command runs instead of it, on the configured database.
            Configuration switches go before or after the command: --SalesKernel:Section:Key=value, --urls=http://…,
            --environment=Production, --contentRoot=… (any key with a colon, and the web host's own keys).
            Exit codes: 0 done, 1 cannot start or failed, 2 usage error (unknown command, option, tenant or plugin), 3 refused by a rule.
            """);
        root.SetAction(async (_, _) =>
        {
            await using var app = App;
            try
            {
                await app.StartAsync();
            }
            catch
            {
                // the services that did start (the outbox, the jobs …) stop as in any stop, not as failures of their own
                try { await app.StopAsync(); } catch (Exception) { /* the start's failure is the one to report */ }
                throw;
            }
            await app.WaitForShutdownAsync();
            return 0;
        });
        _needHost.Add(root);

        var plugins = new Command("plugins", "Every plugin found, with its version, state and, when it is not loaded, why.");
        plugins.SetAction(_ => WithServices(services =>
        {
            foreach (var p in services.GetRequiredService<PluginCatalog>().Plugins)
                _output.WriteLine($"{p.Id,-24} {p.Version,-10} {p.State,-9} {p.Reason}");
            return Task.FromResult(0);
        }));
        root.Add(Needs(plugins));

        var tenants = new Command("tenants", "Tenants and their modules: list, plugins, enable, disable.");
        var list = new Command("list", "Every tenant: code, name, active or not.");
        list.SetAction(_ => WithServices(async services =>
        {
            foreach (var t in await services.GetRequiredService<KernelDbContext>().Tenants.AsNoTracking().OrderBy(t => t.Code).ToListAsync())
                _output.WriteLine($"{t.Code,-24} {t.Name,-40} {(t.IsActive ? "active" : "inactive")}");
            return 0;
        }));
        tenants.Add(Needs(list));

        var tenant = new Argument<string>("tenant") { Description = "The tenant's code." };
        var modules = new Command("plugins", "A tenant's modules, on or off, with the plugins each needs.") { tenant };
        modules.SetAction(parsed => WithServices(async services =>
        {
            var id = await TenantAsync(services.GetRequiredService<KernelDbContext>(), parsed.GetRequiredValue(tenant));
            var on = await services.GetRequiredService<TenantModules>().EnabledAsync(id, default);
            foreach (var p in services.GetRequiredService<PluginCatalog>().Loaded)
                _output.WriteLine($"{p.Id,-24} {(on.Contains(p.Id) ? "on" : "off"),-4} {string.Join(", ", p.Manifest!.Dependencies.Select(d => d.Id))}");
            return 0;
        }));
        tenants.Add(Needs(modules));

        var plugin = new Argument<string>("plugin") { Description = "The plugin's id." };
        var withDependencies = new Option<bool>("--with-dependencies") { Description = "Also enable the plugins it needs that the tenant has off." };
        var enable = new Command("enable", "Switch a plugin on for a tenant.") { tenant, plugin, withDependencies };
        enable.SetAction(parsed => Switch(parsed.GetRequiredValue(tenant), parsed.GetRequiredValue(plugin), true, parsed.GetValue(withDependencies)));
        tenants.Add(Needs(enable));
        var disable = new Command("disable", "Switch a plugin off for a tenant (refused while an enabled plugin needs it).") { tenant, plugin };
        disable.SetAction(parsed => Switch(parsed.GetRequiredValue(tenant), parsed.GetRequiredValue(plugin), false, false));
        tenants.Add(Needs(disable));
        root.Add(tenants);

        var customers = WholeNumber("--customers", 1_000, $"Customers to make, 1 to {DemoSeed.MaxCustomers:N0} (with 1.5 N contacts, N/2 leads, opportunities, activities, follow-ups).",
            1, DemoSeed.MaxCustomers);
        var seed = WholeNumber("--seed", 2026, "Seed of the generated data: the same seed makes the same data.", int.MinValue, int.MaxValue);
        var password = new Option<string?>("--password") { HelpName = "P", Description = "Password of the demo users (default: one generated and printed)." };
        var demoTenant = new Argument<string>("tenant") { Description = "The tenant's code; created when missing." };
        var seedDemo = new Command("seed-demo", """
            Fill a tenant with demo users, teams and the demo data of every enabled plugin. Run it again after
            a stop to finish, or after enabling a plugin to add its demo data.
            """) { demoTenant, customers, seed, password };
        seedDemo.SetAction(parsed => WithServices(services => SeedDemoAsync(services, parsed.GetRequiredValue(demoTenant),
            parsed.GetValue(customers), parsed.GetValue(seed), parsed.GetValue(password))));
        root.Add(Needs(seedDemo));

        // `help` and `help <command>` as before System.CommandLine: the same as --help
        var words = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        var help = new Command("help", "Show help.") { Hidden = true };
        help.Add(words);
        help.SetAction(parsed => root.Parse([.. parsed.GetValue(words) ?? [], "--help"]).Invoke(parsed.InvocationConfiguration));
        root.Add(help);
        return root;
    }

    private Command Needs(Command command)
    {
        _needHost.Add(command);
        return command;
    }

    private WebApplication App => _app ?? throw new InvalidOperationException("The host is not built yet.");

    private async Task<int> WithServices(Func<IServiceProvider, Task<int>> run)
    {
        using var scope = App.Services.CreateScope();
        return await run(scope.ServiceProvider);
    }

    private Task<int> Switch(string code, string plugin, bool enable, bool withDependencies) => WithServices(async services =>
    {
        var db = services.GetRequiredService<KernelDbContext>();
        var tenant = await TenantAsync(db, code);
        var result = await ModuleSwitch.ApplyAsync(db, services.GetRequiredService<PluginCatalog>(), services.GetRequiredService<TenantModules>(),
            services.GetRequiredService<TimeProvider>(), tenant, plugin, enable, withDependencies, default);
        var list = string.Join(", ", result.Plugins);
        switch (result.Outcome)
        {
            case ModuleSwitch.Outcome.Changed:
                _output.WriteLine($"{(enable ? "Enabled" : "Disabled")} for {code}: {list}");
                return 0;
            case ModuleSwitch.Outcome.UnknownPlugin:
                _output.WriteLine($"No loaded plugin has id '{plugin}'.");
                return UsageError;
            case ModuleSwitch.Outcome.DependenciesOff:
                _output.WriteLine($"'{plugin}' needs {list}, which {code} has off. Enable them first, or add --with-dependencies.");
                return 3;
            default:
                _output.WriteLine($"{list} need '{plugin}'. Disable them first.");
                return 3;
        }
    });

    private async Task<int> SeedDemoAsync(IServiceProvider services, string code, int customers, int seed, string? password)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(code, "^[a-z][a-z0-9-]{1,39}$"))
            throw new CliException("The tenant code must be 2 to 40 lower-case letters, digits or dashes, starting with a letter.");

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output) });
        // written to a file or a pipe, the table keeps its lines whole rather than wrapping at 80 columns
        if (Console.IsOutputRedirected || _output != Console.Out) console.Profile.Width = Math.Max(console.Profile.Width, 120);
        console.MarkupLineInterpolated($"Seeding tenant [bold]{code}[/] with {customers:N0} customers (seed {seed}) …");
        var started = System.Diagnostics.Stopwatch.StartNew();
        DemoSeedResult result;
        // Ctrl+C stops after the batch being written: what is written stays, and says so
        using var interrupted = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; interrupted.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            result = await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(ctx => services.GetRequiredService<DemoSeed>().RunAsync(new DemoSeedOptions(code, customers, seed, password),
                    (description, total) => new ProgressLine(ctx.AddTask(description, maxValue: Math.Max(total, 1))), interrupted.Token));
        }
        catch (OperationCanceledException)
        {
            throw new CliException($"Interrupted. Run the same command again to finish the demo: it goes on where this one stopped.");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new CliException(e.Message);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (result.Resumed)
            console.MarkupLineInterpolated($"Went on with the earlier seed of {code}: the plugins it had not finished ({result.Customers:N0} customers, seed {result.Seed}, as it began).");
        console.MarkupLineInterpolated($"Done in {started.Elapsed:mm\\:ss}: {string.Join(", ", result.Plugins.Select(p => $"{p.Plugin} {p.Took.TotalSeconds:N1} s"))}.");
        var teamIds = result.Users.Where(u => u.TeamId is not null).Select(u => u.TeamId!.Value).Distinct().ToList();
        var teams = await services.GetRequiredService<KernelDbContext>().Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id))
            .ToDictionaryAsync(t => t.Id, t => t.Name);
        string TeamOf(Guid? id) => id is { } team && teams.TryGetValue(team, out var name) ? name : "";
        var table = new Table().AddColumns("Sign in as", "Role", "Email", "Team");
        table.AddRow("Administrator", StandardRoles.TenantAdmin, result.AdminEmail + (result.TenantCreated ? "" : " (existing tenant: its own password)"), "");
        foreach (var user in result.Users) table.AddRow(user.Name, user.Role, user.Email, TeamOf(user.TeamId));
        console.Write(table);
        console.MarkupLineInterpolated($"Password of the demo users: [bold]{result.Password}[/]");
        console.MarkupLine("Sign in with POST /api/auth/login { \"email\": …, \"password\": … } — see docs/walkthrough.md.");
        return 0;
    }

    /// <summary>A whole-number option from <paramref name="min"/> to <paramref name="max"/> that also takes 1_000 and 1,000.</summary>
    private static Option<int> WholeNumber(string name, int fallback, string description, int min, int max) => new(name)
    {
        HelpName = "N",
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (!int.TryParse(text.Replace("_", "").Replace(",", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                r.AddError($"{name} must be a whole number, not '{text}'.");
            else if (value < min || value > max)
                r.AddError($"{name} must be between {min:N0} and {max:N0}.");
            else
                return value;
            return fallback;
        },
    };

    /// <summary>One line: what was not understood, and where the usage is.</summary>
    private string UsageMessage()
    {
        var command = _parsed.CommandResult;
        var messages = new List<string>();
        var group = command.Command.Action is null && command.Command.Subcommands.Count > 0;
        foreach (var error in _parsed.Errors)
        {
            // "Required command was not provided." of a command that only groups others: said below, with the choices
            if (group && error.SymbolResult == command && !_parsed.UnmatchedTokens.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))
                continue;
            if (!messages.Contains(error.Message)) messages.Add(error.Message);
        }
        var path = CommandPath(command);
        if (group)
            messages.Add($"'{path}' needs one of: {string.Join(", ", command.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}.");
        var help = path.Length == 0 ? "--help" : $"{path} --help";
        return $"{string.Join(" ", messages.Select(Sentence))} See '{help}'.";
    }

    private string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is CommandResult c && c.Command != _root; r = r.Parent) names.Insert(0, c.Command.Name);
        return string.Join(" ", names);
    }

    private static InvocationConfiguration Invocation(TextWriter output, TextWriter error) => new()
    {
        Output = output,
        Error = error,
        // exceptions are the host's to report (KernelStartException: one sentence); Ctrl+C is the web host's and seed-demo's own
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    };

    /// <summary>
    /// The words of the command, and the configuration switches: a key with a colon, a key of the web host's own,
    /// or a section of another switch's key (<c>--SalesKernel=</c> beside <c>--SalesKernel:DataPath=…</c>, as
    /// <c>WebApplicationFactory</c> passes them); <c>--key=value</c>, or <c>--key value</c> as two words.
    /// </summary>
    internal static (List<string> Command, string[] Host) Split(IReadOnlyList<string> args)
    {
        var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var word in args)
            if (Key(word) is { } key)
                for (var colon = key.IndexOf(':'); colon > 0; colon = key.IndexOf(':', colon + 1))
                    sections.Add(key[..colon]);

        var command = new List<string>();
        var host = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (word == "--")
            {
                command.AddRange(args.Skip(i));
                break;
            }
            if (Key(word) is not { } key || !(key.Contains(':') || HostKeys.Contains(key) || sections.Contains(key)))
            {
                command.Add(word);
                continue;
            }
            host.Add(word);
            if (!word.Contains('=') && i + 1 < args.Count) host.Add(args[++i]);
        }
        return (command, host.ToArray());
    }

    /// <summary>The key of <c>--key=value</c> or <c>--key</c>; <see langword="null"/> for any other word.</summary>
    private static string? Key(string word)
    {
        if (word.Length < 3 || !word.StartsWith("--", StringComparison.Ordinal)) return null;
        var equals = word.IndexOf('=');
        var key = equals < 0 ? word[2..] : word[2..equals];
        return key.Length > 0 ? key : null;
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is AddressInUseException) return true;
        return false;
    }

    private static string Sentence(string message)
    {
        var text = message.Trim();
        return text.Length > 0 && char.IsPunctuation(text[^1]) ? text : text + ".";
    }

    /// <summary>A Spectre.Console progress task as the SDK's progress line.</summary>
    private sealed class ProgressLine(ProgressTask task) : IDemoProgress
    {
        public void Advance(long count) => task.Increment(count);
    }

    private static async Task<Guid> TenantAsync(KernelDbContext db, string code) =>
        await db.Tenants.Where(t => t.Code == code).Select(t => (Guid?)t.Id).FirstOrDefaultAsync()
            ?? throw new CliException($"There is no tenant with code '{code}'.");

    private sealed class CliException(string message) : Exception(message);

    /// <summary>
    /// The logger factory, less the log entries of a port already taken (Kestrel's "Unable to start Kestrel",
    /// the host's "Hosting failed to start", each with its stack trace): the entry point says it in one sentence.
    /// </summary>
    private sealed class StartFailureQuietLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Quiet(inner.CreateLogger(categoryName));
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
        public void Dispose() => inner.Dispose();

        private sealed class Quiet(ILogger logger) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => logger.BeginScope(state);
            public bool IsEnabled(LogLevel logLevel) => logger.IsEnabled(logLevel);
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (exception is not null && IsAddressInUse(exception)) return;
                logger.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
