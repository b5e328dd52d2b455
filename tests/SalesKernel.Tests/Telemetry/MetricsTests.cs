using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint answers administrators (and the configured scrape token) with the
/// kernel's meters while the host works. Other hosts of the test run share the process's meters, so
/// counts are at least what this test did.
/// </summary>
public sealed partial class MetricsTests : IDisposable
{
    private const string ScrapeToken = "scrape-token-for-the-test-0123456789";
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task The_metrics_endpoint_shows_writes_sign_in_failures_the_outbox_and_plugins_to_administrators_only()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Telemetry:ScrapeToken"] = ScrapeToken });
        using var admin = await host.TenantClientAsync("acme");
        for (var i = 0; i < 3; i++) await admin.CreateAsync("/api/customers/customers", new { name = $"Measured {i}" });
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/customers/customers", new { name = "" })).StatusCode);
        using var anonymous = host.CreateClient();
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/login",
                new { email = KernelHost.TenantAdminEmail("acme"), password = "not the password" })).StatusCode);
        Assert.True(await Eventually.HoldsAsync(async () => Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"DispatchedAtUtc\" IS NULL")) == 0));

        // who may scrape: not the anonymous, not a tenant's administrator; the platform administrator and the token
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/metrics")).StatusCode);
        using var wrongToken = host.CreateClient();
        wrongToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongToken.GetAsync("/metrics")).StatusCode);
        using var scraper = host.CreateClient();
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
        var scraped = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        using var platform = await host.PlatformClientAsync();
        var text = await platform.GetStringAsync("/metrics");

        Assert.True(Value(text, "saleskernel_pipeline_writes_total", ("entity_set", "customers.customers"), ("operation", "create"), ("outcome", "committed")) >= 3);
        Assert.True(Value(text, "saleskernel_pipeline_writes_total", ("entity_set", "customers.customers"), ("operation", "create"), ("outcome", "rejected")) >= 1);
        Assert.True(Value(text, "saleskernel_signin_failures_total", ("reason", "wrong")) >= 2);
        Assert.True(Value(text, "saleskernel_outbox_dispatched_total") >= 3);
        Assert.True(Value(text, "saleskernel_plugins", ("plugin", "customers"), ("state", "loaded")) >= 1);
        Assert.NotNull(Value(text, "saleskernel_outbox_backlog"));
        Assert.NotNull(Value(text, "saleskernel_outbox_lag_seconds"));
        // ASP.NET Core's meters (http_server_request_duration_seconds …) come along too, but are one per
        // host: with other tests' hosts in the process, OpenTelemetry may have joined them to a stream
        // that ended when one of those stopped, so they are not asserted here
    }

    /// <summary>The sum of the samples of a metric whose labels include the given ones; null when there is none.</summary>
    private static double? Value(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        double? sum = null;
        foreach (Match sample in Sample().Matches(exposition))
        {
            if (sample.Groups["name"].Value != metric) continue;
            var found = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => found.TryGetValue(l.Name, out var v) && v == l.Value))
                sum = (sum ?? 0) + double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
