using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;
using Spectre.Console;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// Commands of the host executable, run instead of the web server when the first argument names one:
/// <c>dotnet run --project host/SalesKernel.Host -- tenants enable acme credit</c>.
/// </summary>
public static class KernelCli
{
    private static readonly string[] Commands = ["plugins", "tenants", "seed-demo", "help"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    /// <summary>Runs the command against the configured database; returns the process exit code.</summary>
    public static async Task<int> RunAsync(WebApplication app, string[] args, TextWriter output)
    {
        using var scope = app.Services.CreateScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<KernelDbContext>();
        var catalog = services.GetRequiredService<PluginCatalog>();
        // configuration switches (--SalesKernel:Database:Provider=PostgreSQL) are for the host, not the command
        var words = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) || a == "--with-dependencies").ToArray();
        try
        {
            switch (words)
            {
                case ["plugins", ..]:
                    foreach (var p in catalog.Plugins)
                        output.WriteLine($"{p.Id,-24} {p.Version,-10} {p.State,-9} {p.Reason}");
                    return 0;
                case ["tenants", "list"]:
                    foreach (var t in await db.Tenants.AsNoTracking().OrderBy(t => t.Code).ToListAsync())
                        output.WriteLine($"{t.Code,-24} {t.Name,-40} {(t.IsActive ? "active" : "inactive")}");
                    return 0;
                case ["tenants", "plugins", var code]:
                {
                    var tenant = await TenantAsync(db, code);
                    var on = await services.GetRequiredService<TenantModules>().EnabledAsync(tenant, default);
                    foreach (var p in catalog.Loaded)
                        output.WriteLine($"{p.Id,-24} {(on.Contains(p.Id) ? "on" : "off"),-4} {string.Join(", ", p.Manifest!.Dependencies.Select(d => d.Id))}");
                    return 0;
                }
                case ["tenants", "enable" or "disable", var code, var plugin, .. var rest]:
                {
                    var verb = words[1];
                    var tenant = await TenantAsync(db, code);
                    var result = await ModuleSwitch.ApplyAsync(db, catalog, services.GetRequiredService<TenantModules>(), services.GetRequiredService<TimeProvider>(),
                        tenant, plugin, verb == "enable", rest.Contains("--with-dependencies"), default);
                    var list = string.Join(", ", result.Plugins);
                    switch (result.Outcome)
                    {
                        case ModuleSwitch.Outcome.Changed:
                            output.WriteLine($"{(verb == "enable" ? "Enabled" : "Disabled")} for {code}: {list}");
                            return 0;
                        case ModuleSwitch.Outcome.UnknownPlugin:
                            output.WriteLine($"No loaded plugin has id '{plugin}'.");
                            return 2;
                        case ModuleSwitch.Outcome.DependenciesOff:
                            output.WriteLine($"'{plugin}' needs {list}, which {code} has off. Enable them first, or add --with-dependencies.");
                            return 3;
                        default:
                            output.WriteLine($"{list} need '{plugin}'. Disable them first.");
                            return 3;
                    }
                }
                case ["seed-demo", var code, ..]:
                    return await SeedDemoAsync(services, code, args, output);
                default:
                    output.WriteLine("""
                        SalesKernel commands (run with: dotnet run --project host/SalesKernel.Host -- <command>)
                          plugins                                        every plugin found, with state and reason
                          tenants list                                   every tenant
                          tenants plugins <tenant>                       a tenant's modules, on or off
                          tenants enable <tenant> <plugin> [--with-dependencies]
                          tenants disable <tenant> <plugin>
                          seed-demo <tenant> [--customers=N] [--seed=N] [--password=P]
                                                                         fill a tenant (created when missing) with demo users,
                                                                         teams and data of every enabled plugin; run it
                                                                         again after a stop to finish, or after enabling
                                                                         a plugin to add its demo data
                        """);
                    return words is ["help", ..] ? 0 : 1;
            }
        }
        catch (CliException e)
        {
            output.WriteLine(e.Message);
            return 2;
        }
    }

    private static async Task<int> SeedDemoAsync(IServiceProvider services, string code, string[] args, TextWriter output)
    {
        var customers = Option(args, "customers", 1_000);
        var seed = Option(args, "seed", 2026);
        var password = args.FirstOrDefault(a => a.StartsWith("--password=", StringComparison.Ordinal))?["--password=".Length..];
        if (customers is < 1 or > DemoSeed.MaxCustomers) throw new CliException($"--customers must be between 1 and {DemoSeed.MaxCustomers:N0}.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(code, "^[a-z][a-z0-9-]{1,39}$"))
            throw new CliException("The tenant code must be 2 to 40 lower-case letters, digits or dashes, starting with a letter.");

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
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
        var table = new Table().AddColumns("Sign in as", "Role", "Email");
        table.AddRow("Administrator", StandardRoles.TenantAdmin, result.AdminEmail + (result.TenantCreated ? "" : " (existing tenant: its own password)"));
        foreach (var user in result.Users) table.AddRow(user.Name, user.Role, user.Email);
        console.Write(table);
        console.MarkupLineInterpolated($"Password of the demo users: [bold]{result.Password}[/]");
        console.MarkupLine("Sign in with POST /api/auth/login { \"email\": …, \"password\": … } — see docs/walkthrough.md.");
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var prefix = $"--{name}=";
        var text = args.FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
        if (text is null) return fallback;
        return int.TryParse(text.Replace("_", "").Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value : throw new CliException($"--{name} must be a whole number, not '{text}'.");
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
}
