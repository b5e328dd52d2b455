using System.Net.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Queries;
using SalesKernel.Core.Records;
using SalesKernel.Core.Tenancy;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Security;

/// <summary><c>/api/users</c> (tenant administrators): the users of the caller's tenant.</summary>
internal static class UserApi
{
    public static void MapUserApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/users").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/", async (CallerContext caller, KernelDbContext db, CancellationToken ct, int? limit = null, string? cursor = null) =>
            {
                var take = KernelPaging.Limit(limit);
                var query = db.Users.AsNoTracking().Where(u => u.TenantId == caller.TenantId);
                if (KernelPaging.After(cursor, out string after)) query = query.Where(u => string.Compare(u.Email, after) > 0);
                var rows = await query.OrderBy(u => u.Email).Take(take + 1)
                    .Select(u => new UserResponse(u.Id, u.Email, u.DisplayName, u.IsActive, u.IsTenantAdmin, u.LockedUntilUtc)).ToListAsync(ct);
                return TypedResults.Ok(KernelPaging.Page(rows, take, u => u.Email, u => u));
            })
            .WithName("ListUsers").WithSummary("The tenant's users by email; page with limit and cursor.");
        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, CallerContext caller, KernelDbContext db, CancellationToken ct) =>
                await db.Users.AsNoTracking().Where(u => u.Id == id && u.TenantId == caller.TenantId)
                    .Select(u => new UserResponse(u.Id, u.Email, u.DisplayName, u.IsActive, u.IsTenantAdmin, u.LockedUntilUtc)).FirstOrDefaultAsync(ct) is { } user
                    ? TypedResults.Ok(user)
                    : TypedResults.Problem(statusCode: 404, title: "User not found", detail: $"There is no user with id {id} in this company."))
            .WithName("GetUser").WithSummary("One user of the tenant.").Produces<UserResponse>().ProducesProblem(404);
        group.MapPost("/", CreateAsync).WithName("CreateUser").Produces<UserResponse>(201).ProducesValidationProblem().ProducesProblem(409);
        group.MapPost("/{id:guid}/disable", (Guid id, CallerContext caller, KernelDbContext db, SecurityStamps stamps, CancellationToken ct) =>
                SetActiveAsync(id, false, caller, db, stamps, ct))
            .WithName("DisableUser").WithSummary("Disable a user; every token of theirs stops working.");
        group.MapPost("/{id:guid}/enable", (Guid id, CallerContext caller, KernelDbContext db, SecurityStamps stamps, CancellationToken ct) =>
                SetActiveAsync(id, true, caller, db, stamps, ct))
            .WithName("EnableUser");
    }

    public static bool IsEmail(string text) => TextFormats.IsEmail(text);

    private static async Task<IResult> CreateAsync(NewUserRequest request, CallerContext caller, KernelDbContext db, Passwords passwords,
        TimeProvider clock, CancellationToken ct)
    {
        // an API key provisions people, not administrators: who holds a leaked key must not make themselves one
        if (request.IsTenantAdmin && caller.ApiKeyRoleId is not null)
            throw new Sdk.AccessDeniedException("A tenant administrator is made by a signed-in administrator, not by an API key.");
        var errors = new Dictionary<string, List<string>>();
        var email = request.Email?.Trim().ToLowerInvariant();
        if (email is null || !IsEmail(email)) FieldValidation.Add(errors, "email", "must be an email address");
        if (Passwords.Weakness(request.Password) is { } weakness) FieldValidation.Add(errors, "password", weakness);
        if (request.DisplayName?.Length > 200) FieldValidation.Add(errors, "displayName", "must be at most 200 characters");
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        if (await db.AcrossTenants<UserAccount>().AnyAsync(u => u.Email == email, ct)) // an email signs in to one account of the installation
            return TypedResults.Problem(statusCode: 409, title: "The email is taken", detail: $"A user with email {email} exists.");
        var user = new UserAccount
        {
            Id = Guid.CreateVersion7(), TenantId = caller.TenantId, Email = email!,
            DisplayName = request.DisplayName?.Trim() is { Length: > 0 } name ? name : email!,
            PasswordHash = passwords.Hash(request.Password!), SecurityStamp = Passwords.NewStamp(),
            IsTenantAdmin = request.IsTenantAdmin, CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/users/{user.Id}", new UserResponse(user.Id, user.Email, user.DisplayName, true, user.IsTenantAdmin, null));
    }

    private static async Task<IResult> SetActiveAsync(Guid id, bool active, CallerContext caller, KernelDbContext db, SecurityStamps stamps, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.TenantId == caller.TenantId, ct);
        if (user is null) return TypedResults.Problem(statusCode: 404, title: "User not found", detail: $"There is no user with id {id}.");
        if (user.IsTenantAdmin && caller.ApiKeyRoleId is not null)
            throw new Sdk.AccessDeniedException("A tenant administrator is disabled or enabled by a signed-in administrator, not by an API key.");
        user.IsActive = active;
        user.SecurityStamp = Passwords.NewStamp();
        await db.SaveChangesAsync(ct);
        stamps.Invalidate(id);
        return TypedResults.NoContent();
    }
}

public sealed record NewUserRequest(string? Email, string? DisplayName, string? Password, bool IsTenantAdmin = false);
public sealed record UserResponse(Guid Id, string Email, string DisplayName, bool IsActive, bool IsTenantAdmin, DateTime? LockedUntilUtc);
