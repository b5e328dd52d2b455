using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Activities.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities.Endpoints;

/// <summary>Completing activities and the caller's day.</summary>
public static class ActivityApi
{
    /// <summary>How many activities each list of "my day" holds at most.</summary>
    public const int MaxPerList = 200;

    public static IEndpointRouteBuilder MapActivityApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/activities/{id:guid}/complete", (Guid id, IEntityStore store, TimeProvider clock, HttpContext http, CancellationToken ct) =>
                SetCompletedAsync(id, clock.GetUtcNow().UtcDateTime, store, http, ct))
            .WithName("CompleteActivity").WithSummary("Mark an activity done.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(412);
        endpoints.MapPost("/activities/{id:guid}/reopen", (Guid id, IEntityStore store, HttpContext http, CancellationToken ct) =>
                SetCompletedAsync(id, null, store, http, ct))
            .WithName("ReopenActivity").WithSummary("Mark a done activity open again.")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(412);
        endpoints.MapGet("/my-day", MyDay)
            .WithName("MyDay").WithSummary("The caller's open activities that are overdue or due today (in the time zone given as ?tz=, the company's by default).")
            .Produces<MyDayReport>().ProducesValidationProblem();
        return endpoints;
    }

    private static async Task<IResult> SetCompletedAsync(Guid id, DateTime? completedAt, IEntityStore store, HttpContext http, CancellationToken ct)
    {
        var activity = await store.UpdateAsync<Activity>(id, a => a.CompletedAtUtc = completedAt, RecordVersion.FromIfMatch(http.Request), ct);
        return Results.Ok(new { activity.Id, activity.Subject, activity.CompletedAtUtc });
    }

    private static async Task<IResult> MyDay(IRecordAccess access, ICallerContext caller, ITenantCalendar calendar, TimeProvider clock, CancellationToken ct, string? tz = null)
    {
        TimeZoneInfo zone;
        try
        {
            // the company's time zone unless the caller is somewhere else today
            zone = tz is null ? await calendar.TimeZoneAsync(ct) : TimeZoneInfo.FindSystemTimeZoneById(tz);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["tz"] = [$"'{tz}' is not a known time zone (use an IANA name such as Asia/Shanghai)"] });
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var localToday = TimeZoneInfo.ConvertTimeFromUtc(now, zone).Date;
        // local midnight may not exist (a clock that springs forward at 00:00): take the first minute that does
        var midnight = DateTime.SpecifyKind(localToday.AddDays(1), DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(1);
        var endOfDay = TimeZoneInfo.ConvertTimeToUtc(midnight, zone);
        var me = caller.UserId;
        // the caller's own open activities: what they hold, whatever else their role lets them read
        var mine = (await access.ScopeAsync<Activity>(cancellationToken: ct))
            .Where(a => EF.Property<string?>(a, SystemFields.OwnerId) == me && a.CompletedAtUtc == null && a.DueAtUtc != null && a.DueAtUtc < endOfDay);
        var overdue = await ListAsync(mine.Where(a => a.DueAtUtc < now), ct);
        var dueToday = await ListAsync(mine.Where(a => a.DueAtUtc >= now), ct);
        return Results.Ok(new MyDayReport(DateOnly.FromDateTime(localToday), zone.Id, overdue.Take(MaxPerList).ToList(), dueToday.Take(MaxPerList).ToList(),
            overdue.Count > MaxPerList || dueToday.Count > MaxPerList));
    }

    private static Task<List<DayItem>> ListAsync(IQueryable<Activity> query, CancellationToken ct) =>
        query.OrderBy(a => a.DueAtUtc).ThenBy(a => a.Id).Take(MaxPerList + 1)
            .Select(a => new DayItem(a.Id, a.Subject, a.Kind, a.Priority, a.EntitySet, a.RecordId, a.DueAtUtc!.Value))
            .ToListAsync(ct);
}

/// <summary>An open activity in "my day".</summary>
public sealed record DayItem(Guid Id, string Subject, ActivityKind Kind, ActivityPriority Priority, string? EntitySet, Guid? RecordId, DateTime DueAtUtc);

/// <summary>The caller's day: what is late and what is still due today; <c>truncated</c> when there was more than the lists hold.</summary>
public sealed record MyDayReport(DateOnly Date, string TimeZone, IReadOnlyList<DayItem> Overdue, IReadOnlyList<DayItem> DueToday, bool Truncated);
