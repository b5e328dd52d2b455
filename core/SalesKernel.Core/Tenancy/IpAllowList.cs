using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Tenancy;

/// <summary>
/// A tenant may restrict where its users and API keys call from (限制访问IP): a list of networks in
/// CIDR notation. Requests from elsewhere are refused with 403. Cached like the module list, while the
/// tenant's shared change stamp stays the same (<see cref="ChangeStamps"/>).
/// </summary>
public sealed class IpAllowList(ChangeStamps stamps)
{
    private readonly ConcurrentDictionary<Guid, (SharedStamp Shared, IReadOnlyList<IPNetwork> Networks)> _cache = new();

    public async Task<IReadOnlyList<IPNetwork>> NetworksAsync(Guid tenant, CancellationToken cancellationToken)
    {
        var shared = await stamps.CurrentAsync(tenant, cancellationToken);
        if (_cache.TryGetValue(tenant, out var cached) && cached.Shared == shared) return cached.Networks;
        await using var lease = stamps.Context();
        var db = lease.Db;
        var text = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant).Select(t => t.AllowedNetworks).FirstOrDefaultAsync(cancellationToken);
        var networks = Parse(text, out _);
        _cache[tenant] = (shared, networks);
        return networks;
    }

    public void Invalidate(Guid tenant) => _cache.TryRemove(tenant, out _);

    public static IReadOnlyList<IPNetwork> Parse(string? text, out List<string> invalid)
    {
        invalid = [];
        var networks = new List<IPNetwork>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(part, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(part, out var address)) networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else invalid.Add(part);
        }
        return networks;
    }

    public static bool Allows(IReadOnlyList<IPNetwork> networks, IPAddress? address)
    {
        if (networks.Count == 0) return true;
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return networks.Any(n => n.Contains(address));
    }
}

internal static class IpAllowListApi
{
    /// <summary>Refuses a tenant's request from outside its networks, whoever makes it (user or API key).</summary>
    public static IApplicationBuilder UseTenantIpAllowList(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var caller = context.RequestServices.GetRequiredService<CallerContext>();
        if (caller.TenantId is { } tenant)
        {
            var networks = await context.RequestServices.GetRequiredService<IpAllowList>().NetworksAsync(tenant, context.RequestAborted);
            if (!IpAllowList.Allows(networks, context.Connection.RemoteIpAddress))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await Results.Problem(statusCode: 403, title: "Not allowed from this address",
                    detail: "Your company only allows access from its own networks.").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    });

    public static void MapIpAllowListApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenant/ip-allow-list").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok(new IpAllowListBody(IpAllowList.Parse(await db.Tenants.Where(t => t.Id == caller.TenantId).Select(t => t.AllowedNetworks).FirstAsync(ct), out _)
                .Select(n => n.ToString()).ToArray()))).WithName("GetIpAllowList");
        group.MapPut("/", async (IpAllowListBody body, HttpContext http, CallerContext caller, KernelDbContext db, IpAllowList allowList, CancellationToken ct) =>
        {
            var networks = IpAllowList.Parse(string.Join(',', body.Networks ?? []), out var invalid);
            if (invalid.Count > 0)
                throw new RecordValidationException(new Dictionary<string, string[]> { ["networks"] = [$"not networks (CIDR) or addresses: {string.Join(", ", invalid)}"] });
            if (!IpAllowList.Allows(networks, http.Connection.RemoteIpAddress))
                return Results.Problem(statusCode: 409, title: "You would lock yourself out",
                    detail: $"Your own address ({http.Connection.RemoteIpAddress?.ToString() ?? "unknown"}) is not in the list.");
            var tenant = await db.Tenants.FirstAsync(t => t.Id == caller.TenantId, ct);
            tenant.AllowedNetworks = networks.Count == 0 ? null : string.Join(',', networks.Select(n => n.ToString()));
            await db.SaveChangesAsync(ct);
            allowList.Invalidate(tenant.Id);
            return Results.NoContent();
        }).WithName("SetIpAllowList").WithSummary("Set the networks the tenant may call from; an empty list allows every address.")
            .ProducesValidationProblem().ProducesProblem(409);
    }
}

public sealed record IpAllowListBody(string[]? Networks);
