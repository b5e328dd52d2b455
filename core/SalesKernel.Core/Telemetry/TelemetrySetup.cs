using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SalesKernel.Core.Security;

namespace SalesKernel.Core.Telemetry;

/// <summary>
/// OpenTelemetry for the host: the kernel's meters (<see cref="KernelMetrics"/>) with ASP.NET Core's
/// and the HTTP client's, as a Prometheus scrape endpoint for administrators (<c>/metrics</c>) and over
/// OTLP when an endpoint is configured (then traces too: requests, outgoing HTTP, database commands);
/// logs as JSON lines with the trace id when asked.
/// </summary>
internal static class TelemetrySetup
{
    public const string ScrapePolicy = "metrics-scrape";
    public const string MetricsPath = "/metrics";

    public static void AddKernelTelemetry(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddSingleton<KernelMetrics>();
        if (string.Equals(configuration["SalesKernel:Logging:Format"], "Json", StringComparison.OrdinalIgnoreCase))
        {
            // one JSON object per line; the request's trace and span ids are in its scope
            builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        var prometheus = configuration.GetValue("SalesKernel:Telemetry:Prometheus", true);
        var otlp = configuration["SalesKernel:Telemetry:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!prometheus && otlp is null) return;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("saleskernel", serviceVersion: Sdk.SdkVersion.Current,
                serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(KernelMetrics.MeterName).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (prometheus) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp is null) return;
        // traces cost every request an activity: they are made only when there is somewhere to send them
        telemetry.WithTracing(tracing => tracing
            .AddSource(KernelMetrics.MeterName)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments(MetricsPath))
            .AddHttpClientInstrumentation()
            .AddEntityFrameworkCoreInstrumentation());
        if (!Uri.TryCreate(otlp, UriKind.Absolute, out var endpoint))
            throw new InvalidOperationException($"SalesKernel:Telemetry:OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) '{otlp}' is not an absolute URL.");
        var protocol = string.Equals(configuration["SalesKernel:Telemetry:OtlpProtocol"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf",
            StringComparison.OrdinalIgnoreCase) ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        telemetry.UseOtlpExporter(protocol, endpoint);
    }

    /// <summary>The scrape policy: a platform administrator, or whoever presents the configured scrape token.</summary>
    public static void AddScrapePolicy(AuthorizationOptions options, IConfiguration configuration)
    {
        var token = configuration["SalesKernel:Telemetry:ScrapeToken"];
        options.AddPolicy(ScrapePolicy, p => p.RequireAssertion(context =>
            context.User.HasClaim(CallerContext.PlatformClaim, "true")
            || token is { Length: > 0 } && context.Resource is HttpContext http && PresentsToken(http, token)));
    }

    private static bool PresentsToken(HttpContext http, string token)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    public static void MapKernelTelemetry(WebApplication app)
    {
        if (!app.Configuration.GetValue("SalesKernel:Telemetry:Prometheus", true)) return;
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(ScrapePolicy);
    }
}
