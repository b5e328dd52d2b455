using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Records;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary><c>/api/api-keys</c> (tenant administrators): keys for integrations, each bound to a role.</summary>
internal static class ApiKeyApi
{
    public static void MapApiKeyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/api-keys").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.Set<ApiKey>().AsNoTracking().Where(k => k.TenantId == caller.TenantId).OrderBy(k => k.CreatedAtUtc)
                .Join(db.Roles, k => k.RoleId, r => r.Id, (k, r) => new ApiKeyResponse(k.Id, k.Name, "sk_" + k.Prefix + "_…", r.Code, k.CreatedAtUtc, k.LastUsedAtUtc, k.RevokedAtUtc))
                .ToListAsync(ct))).WithName("ListApiKeys").WithSummary("The tenant's API keys (never their secrets).");
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
                await db.Set<ApiKey>().AsNoTracking().Where(k => k.Id == id && k.TenantId == caller.TenantId)
                    .Join(db.Roles, k => k.RoleId, r => r.Id, (k, r) => new ApiKeyResponse(k.Id, k.Name, "sk_" + k.Prefix + "_…", r.Code, k.CreatedAtUtc, k.LastUsedAtUtc, k.RevokedAtUtc))
                    .FirstOrDefaultAsync(ct) is { } key
                    ? TypedResults.Ok(key)
                    : TypedResults.Problem(statusCode: 404, title: "API key not found", detail: $"There is no API key with id {id}."))
            .WithName("GetApiKey").WithSummary("One API key (never its secret).").Produces<ApiKeyResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create a key bound to a role; the key is in this answer only.")
            .Produces<NewApiKeyResponse>(201).ProducesValidationProblem();
        group.MapDelete("/{id:guid}", async (Guid id, CallerContext caller, KernelDbContext db, TimeProvider clock, CancellationToken ct) =>
            await db.Set<ApiKey>().Where(k => k.Id == id && k.TenantId == caller.TenantId && k.RevokedAtUtc == null)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.RevokedAtUtc, clock.GetUtcNow().UtcDateTime), ct) == 0
                ? Results.Problem(statusCode: 404, title: "API key not found", detail: $"There is no active API key with id {id}.")
                : Results.NoContent()).WithName("RevokeApiKey").WithSummary("Revoke a key: it stops working at once.");
    }

    private static async Task<IResult> CreateAsync(NewApiKeyRequest request, HttpContext http, CallerContext caller, ClaimsPrincipal user, KernelDbContext db,
        TimeProvider clock, CancellationToken ct)
    {
        // a key does not make keys: revoking a leaked key must not leave keys it made behind
        if (caller.ApiKeyRoleId is not null)
            throw new Sdk.AccessDeniedException("API keys are created by a signed-in administrator, not by another API key.");
        var tenant = caller.TenantId!.Value;
        await AccessApi.EnsureStandardRolesAsync(db, tenant, ct);
        var role = await db.Roles.FirstOrDefaultAsync(r => r.TenantId == tenant && r.Code == request.Role, ct);
        var errors = new Dictionary<string, List<string>>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) FieldValidation.Add(errors, "name", "is required (at most 200 characters)");
        if (role is null) FieldValidation.Add(errors, "role", "must be a role of this tenant");
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        var (key, prefix, hash) = ApiKey.NewKey();
        var apiKey = new ApiKey
        {
            Id = Guid.CreateVersion7(), TenantId = tenant, Name = request.Name!.Trim(), Prefix = prefix, SecretHash = hash, RoleId = role!.Id,
            CreatedAtUtc = clock.GetUtcNow().UtcDateTime, CreatedBy = caller.UserId,
        };
        db.Add(apiKey);
        await db.SaveChangesAsync(ct);
        http.Response.Headers.CacheControl = "no-store"; // the key is in this answer only: no cache keeps it
        return TypedResults.Created($"/api/api-keys/{apiKey.Id}", new NewApiKeyResponse(apiKey.Id, apiKey.Name, role.Code, key));
    }
}

public sealed record NewApiKeyRequest(string? Name, string? Role);
public sealed record NewApiKeyResponse(Guid Id, string Name, string Role, string Key);
public sealed record ApiKeyResponse(Guid Id, string Name, string Key, string Role, DateTime CreatedAtUtc, DateTime? LastUsedAtUtc, DateTime? RevokedAtUtc);
