using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Queries;

namespace SalesKernel.Core.Audit;

/// <summary><c>GET /api/audit</c>: who changed what, newest first. There is no endpoint that changes audit records.</summary>
internal static class AuditApi
{
    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        // before and after values of every field: for administrators only
        app.MapGet("/api/audit", ListAsync).RequireAuthorization(Tenancy.TenantPluginApi.TenantAdminPolicy)
            .WithTags("Kernel").WithName("ListAudit")
            .WithSummary("Audit records, newest first; filter by entity, recordId, userId, from, to; page with limit and cursor.")
            .Produces<Sdk.Entities.CursorPage<AuditRecord>>().ProducesProblem(400);

    private static async Task<IResult> ListAsync(KernelDbContext db, string? entity, Guid? recordId, string? userId,
        string? from, string? to, int? limit, string? cursor, CancellationToken ct)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 500) throw new QueryException("limit must be between 1 and 500");
        var tenant = db.Caller.TenantId;
        var query = db.Audit.AsNoTracking().Where(a => a.TenantId == tenant);
        if (!string.IsNullOrEmpty(entity)) query = query.Where(a => a.EntitySet == entity);
        if (recordId is { } id) query = query.Where(a => a.RecordId == id);
        if (!string.IsNullOrEmpty(userId)) query = query.Where(a => a.UserId == userId);
        if (Time(from, "from") is { } f) query = query.Where(a => a.AtUtc >= f);
        if (Time(to, "to") is { } t) query = query.Where(a => a.AtUtc < t);
        if (cursor is not null)
        {
            if (!Sdk.Entities.PageCursor.TryDecode(cursor, out long before))
                throw new QueryException("cursor is not a cursor this list returned: pass its nextCursor");
            query = query.Where(a => a.Id < before);
        }
        var rows = await query.OrderByDescending(a => a.Id).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? Sdk.Entities.PageCursor.Encode(rows[take - 1].Id) : null;
        var items = rows.Take(take).Select(a => new AuditRecord(a.Id, a.AtUtc, a.UserId, a.ClientIp, a.EntitySet, a.RecordId, a.Operation,
            JsonSerializer.Deserialize<JsonElement>(a.Changes))).ToList();
        return Results.Ok(new Sdk.Entities.CursorPage<AuditRecord>(items, next));
    }

    private static DateTime? Time(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new QueryException($"{name} must be a date and time (ISO 8601); '{text}' is not");
    }
}

public sealed record AuditRecord(long Id, DateTime AtUtc, string? UserId, string? ClientIp, string EntitySet, Guid RecordId, string Operation, JsonElement Changes);
