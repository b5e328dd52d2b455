using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Workflow;

/// <summary>Durable scheduled jobs: once per scheduled time whatever the number of hosts, missed runs caught up once.</summary>
public sealed class JobTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Deals);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private static Dictionary<string, string?> Every(string cron) => new()
    {
        ["SalesKernel:Plugins:Settings:deals:SweepCron"] = cron,
        ["SalesKernel:Jobs:PollSeconds"] = "1",
    };

    private async Task<JsonArray> RunsAsync(KernelHost host)
    {
        using var platform = await host.PlatformClientAsync();
        return (await platform.GetFromJsonAsync<JsonObject>("/api/jobs/runs?job=deals.sweep&limit=500"))!["items"]!.AsArray();
    }

    [Fact]
    public async Task A_cron_job_runs_exactly_once_per_scheduled_time_with_two_hosts_on_one_database()
    {
        await using var first = new KernelHost(_plugins, _db, Every("* * * * * *"));
        (await first.TenantClientAsync("acme")).Dispose();
        await using var second = new KernelHost(_plugins, _db, Every("* * * * * *"));
        _ = second.Services; // both hosts now poll the same schedule every second

        JsonArray runs = [];
        // a run a second: the newest may still be going when the list is read
        static int Finished(JsonArray runs) => runs.Count(r => r!["status"]!.GetValue<string>() != "Running");
        for (var i = 0; i < 100 && Finished(runs) < 4; i++)
        {
            await Task.Delay(200);
            runs = await RunsAsync(first);
        }
        Assert.True(Finished(runs) >= 4, $"only {Finished(runs)} runs finished");
        var times = runs.Select(r => r!["scheduledAtUtc"]!.GetValue<DateTime>()).ToList();
        Assert.Equal(times.Count, times.Distinct().Count());
        Assert.All(runs.Where(r => r!["status"]!.GetValue<string>() != "Running"), r => Assert.Equal("Succeeded", r!["status"]!.GetValue<string>()));
        Assert.All(runs, r => Assert.NotNull(r!["tenantId"])); // a per-tenant job ran as the tenant
        Assert.Equal(Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_job_run")),
            Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(DISTINCT \"ScheduledAtUtc\") FROM sk_job_run")));
    }

    [Fact]
    public async Task A_run_missed_while_no_host_was_up_is_caught_up_once()
    {
        await using (var host = new KernelHost(_plugins, _db, Every("0 0 * * * *")))
        {
            (await host.TenantClientAsync("acme")).Dispose();
            for (var i = 0; i < 50 && await _db.ScalarAsync("SELECT COUNT(*) FROM sk_job") is var c && Convert.ToInt64(c) == 0; i++) await Task.Delay(100);
        }
        var missed = DateTime.UtcNow.AddHours(-3);
        missed = new DateTime(missed.Year, missed.Month, missed.Day, missed.Hour, 0, 0, DateTimeKind.Utc);
        var literal = _db.IsPostgres ? $"'{missed:yyyy-MM-dd HH:mm:ss}+00'" : $"'{missed:yyyy-MM-dd HH:mm:ss}'";
        await _db.ScalarAsync($"UPDATE sk_job SET \"NextRunAtUtc\" = {literal} WHERE \"Job\" = 'deals.sweep'");

        await using (var host = new KernelHost(_plugins, _db, Every("0 0 * * * *")))
        {
            JsonArray runs = [];
            for (var i = 0; i < 100 && runs.Count == 0; i++)
            {
                await Task.Delay(100);
                runs = await RunsAsync(host);
            }
            await Task.Delay(1500); // a second poll must not run it again
            runs = await RunsAsync(host);
            var run = Assert.Single(runs);
            Assert.Equal(missed, run!["scheduledAtUtc"]!.GetValue<DateTime>().ToUniversalTime());
            using var platform = await host.PlatformClientAsync();
            var job = (await platform.GetFromJsonAsync<JsonArray>("/api/jobs"))!.Single(j => j!["job"]!.GetValue<string>() == "deals.sweep")!;
            Assert.True(job["nextRunAtUtc"]!.GetValue<DateTime>() > DateTime.UtcNow);
        }
    }
}
