using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Webhooks;

/// <summary><c>/api/webhooks</c> (tenant administrators): subscribe URLs to the tenant's entity-set events.</summary>
internal static class WebhookApi
{
    public static void MapWebhookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/webhooks").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Set<WebhookSubscription>().AsNoTracking().Where(w => w.TenantId == caller.TenantId && w.IsActive)
                .Select(w => new WebhookResponse(w.Id, w.Url, w.Events, w.CreatedAtUtc)).ToListAsync(ct))).WithName("ListWebhooks");
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
                await db.Set<WebhookSubscription>().AsNoTracking().Where(w => w.Id == id && w.TenantId == caller.TenantId && w.IsActive)
                    .Select(w => new WebhookResponse(w.Id, w.Url, w.Events, w.CreatedAtUtc)).FirstOrDefaultAsync(ct) is { } hook
                    ? TypedResults.Ok(hook)
                    : TypedResults.Problem(statusCode: 404, title: "Webhook not found", detail: $"There is no webhook with id {id}."))
            .WithName("GetWebhook").WithSummary("One subscription (never its secret).").Produces<WebhookResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to events of entity sets ('*' for all); the signing secret is in this answer only.")
            .Produces<NewWebhookResponse>(201).ProducesValidationProblem();
        group.MapDelete("/{id:guid}", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            await db.Set<WebhookSubscription>().Where(w => w.Id == id && w.TenantId == caller.TenantId && w.IsActive)
                .ExecuteUpdateAsync(u => u.SetProperty(w => w.IsActive, false), ct) == 0
                ? Results.Problem(statusCode: 404, title: "Webhook not found", detail: $"There is no webhook with id {id}.")
                : Results.NoContent()).WithName("DeleteWebhook");
        group.MapGet("/{id:guid}/deliveries", async (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct, int? limit = null, string? cursor = null) =>
            {
                var take = Queries.KernelPaging.Limit(limit);
                var query = db.Set<WebhookDelivery>().AsNoTracking().Where(d => d.WebhookId == id && d.TenantId == caller.TenantId);
                if (Queries.KernelPaging.After(cursor, out long before)) query = query.Where(d => d.Id < before);
                var rows = await query.OrderByDescending(d => d.Id).Take(take + 1)
                    .Select(d => new DeliveryResponse(d.Id, d.EventId, d.Attempts, d.DeliveredAtUtc, d.GaveUpAtUtc, d.NextAttemptAtUtc, d.LastStatus, d.LastError))
                    .ToListAsync(ct);
                return TypedResults.Ok(Queries.KernelPaging.Page(rows, take, d => d.Id, d => d));
            }).WithName("ListWebhookDeliveries").WithSummary("The delivery log, newest first; page with limit and cursor.");
    }

    private static async Task<IResult> CreateAsync(NewWebhookRequest request, HttpContext http, CallerContext caller, KernelDbContext db, EntitySetRegistry sets,
        IDataProtectionProvider protection, IConfiguration configuration, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            FieldValidation.Add(errors, "url", "must be an absolute http or https URL");
        else if (!configuration.GetValue("SalesKernel:Webhooks:AllowPrivateAddresses", false) && await IsPrivateAsync(url, ct))
            FieldValidation.Add(errors, "url", "points inside a private network; set SalesKernel:Webhooks:AllowPrivateAddresses to allow it");
        var events = request.Events is { Length: > 0 } e ? e : ["*"];
        foreach (var unknown in events.Where(x => x != "*" && sets.Find(x) is null)) FieldValidation.Add(errors, "events", $"'{unknown}' is not an entity set");
        if (request.Secret is { Length: < 16 }) FieldValidation.Add(errors, "secret", "must be at least 16 characters");
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(x => x.Key, x => x.Value.ToArray()));

        var secret = request.Secret ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var hook = new WebhookSubscription
        {
            Id = Guid.CreateVersion7(), TenantId = caller.TenantId!.Value, Url = url!.ToString(), Events = string.Join(',', events),
            ProtectedSecret = protection.CreateProtector(WebhookSender.SecretPurpose).Protect(secret), CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(hook);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store"; // the signing secret is in this answer only
        return TypedResults.Created($"/api/webhooks/{hook.Id}", new NewWebhookResponse(hook.Id, hook.Url, hook.Events, secret));
    }

    /// <summary>Whether a URL's host is (or resolves to) a private address; a name that does not resolve is refused too.</summary>
    private static async Task<bool> IsPrivateAsync(Uri url, CancellationToken ct)
    {
        try
        {
            var addresses = IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) ? [ip] : await Dns.GetHostAddressesAsync(url.Host, ct);
            return addresses.Length == 0 || addresses.Any(WebhookSender.IsPrivate);
        }
        catch (SocketException)
        {
            return true;
        }
    }
}

public sealed record NewWebhookRequest(string? Url, string[]? Events, string? Secret);
public sealed record NewWebhookResponse(Guid Id, string Url, string Events, string Secret);
public sealed record WebhookResponse(Guid Id, string Url, string Events, DateTime CreatedAtUtc);
public sealed record DeliveryResponse(long Id, long EventId, int Attempts, DateTime? DeliveredAtUtc, DateTime? GaveUpAtUtc, DateTime NextAttemptAtUtc, int? LastStatus, string? LastError);
