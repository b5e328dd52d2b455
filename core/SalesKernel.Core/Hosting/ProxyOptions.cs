using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// The reverse proxies (load balancers) in front of the host, <c>SalesKernel:Proxy</c>. Only from these
/// are <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> believed: the client address they name is what
/// the IP allow-list, the sign-in limit and the audit see. With none configured the headers are ignored
/// (a client could otherwise name any address it likes).
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "SalesKernel:Proxy";

    /// <summary>Addresses of the proxies, e.g. <c>10.0.0.5</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, e.g. <c>10.0.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row to look back through (1: one balancer in front).</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>The forwarded-headers middleware's options, or null when no proxy is configured; a bad address stops the host with its name.</summary>
    internal static ForwardedHeadersOptions? From(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (settings.KnownProxies.Length == 0 && settings.KnownNetworks.Length == 0) return null;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = Math.Max(1, settings.ForwardLimit),
        };
        // only what is configured: not the loopback the middleware trusts by default
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
        foreach (var network in settings.KnownNetworks)
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a network like 10.0.0.0/24."));
        return options;
    }
}
