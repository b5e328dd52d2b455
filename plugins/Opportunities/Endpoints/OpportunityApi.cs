using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Opportunities.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Opportunities.Endpoints;

/// <summary>The pipeline views a manager reads: the forecast and the follow-ups that are late.</summary>
public static class OpportunityApi
{
    /// <summary>The longest forecast window, so one request stays one modest query.</summary>
    public const int MaxForecastMonths = 36;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapOpportunityApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/forecast", Forecast)
            .WithName("OpportunityForecast")
            .WithSummary("Weighted pipeline and forecast by period (month or quarter of the expected close date), optionally by owner or team, over the opportunities the caller may read.")
            .Produces<ForecastReport>().ProducesValidationProblem().ProducesProblem(403);
        endpoints.MapGet("/overdue-follow-ups", Overdue)
            .WithName("OverdueOpportunityFollowUps")
            .WithSummary("Open opportunities whose next follow-up date has passed, the most overdue first (keyset paging: pass nextCursor as ?cursor=).")
            .Produces<CursorPage<OverdueItem>>().ProducesValidationProblem().ProducesProblem(403);
        return endpoints;
    }

    private static async Task<IResult> Forecast(IRecordAccess access, ITenantCalendar calendar, CancellationToken ct,
        string? from = null, string? to = null, string period = "month", string? by = null)
    {
        var errors = new Dictionary<string, string[]>();
        var today = await calendar.TodayAsync(ct); // this month is the company's month, not UTC's
        var start = ParseDate(from, "from", new DateOnly(today.Year, today.Month, 1), errors);
        if (start.Year > 9000) errors["from"] = ["must be before the year 9000"];
        var end = ParseDate(to, "to", start.Year > 9000 ? start : start.AddMonths(12).AddDays(-1), errors);
        if (period is not ("month" or "quarter")) errors["period"] = ["must be month or quarter"];
        if (by is not (null or "owner" or "team")) errors["by"] = ["must be owner or team (or left out for totals)"];
        if (end < start) errors["to"] = ["must not be before from"];
        else if (start.Year <= 9000 && end > start.AddMonths(MaxForecastMonths)) errors["to"] = [$"must be within {MaxForecastMonths} months of from"];
        if (errors.Count > 0) return Results.ValidationProblem(errors);
        if (await access.DepthAsync<Opportunity>(Privileges.Read, ct) == AccessDepth.None)
            throw new AccessDeniedException("You may not read opportunities.");

        var lost = OpportunityStage.Lost;
        var won = OpportunityStage.Won;
        var query = (await access.ScopeAsync<Opportunity>(cancellationToken: ct))
            .Where(o => o.Stage != lost && o.ExpectedCloseDate >= start && o.ExpectedCloseDate <= end);
        // one grouped query: per month, (if asked) owner or team, currency, won or open and probability; the
        // database sums exact decimals, the weighting (amount × probability) is done here on those sums
        var rows = await query
            .GroupBy(o => new
            {
                o.ExpectedCloseDate!.Value.Year,
                o.ExpectedCloseDate!.Value.Month,
                Key = by == "owner" ? EF.Property<string?>(o, SystemFields.OwnerId) : by == "team" ? EF.Property<string?>(o, SystemFields.TeamId) : null,
                o.Currency,
                Won = o.Stage == won,
                o.Probability,
            })
            .Select(g => new { g.Key.Year, g.Key.Month, g.Key.Key, g.Key.Currency, g.Key.Won, g.Key.Probability, Count = g.Count(), Amount = g.Sum(o => o.Amount) })
            .ToListAsync(ct);

        // amounts are never added across currencies: a line per period (and owner or team) and currency
        var currency = await calendar.CurrencyAsync(ct);
        var lines = rows
            .GroupBy(r => (Period: period == "month" ? $"{r.Year:D4}-{r.Month:D2}" : $"{r.Year:D4}-Q{(r.Month + 2) / 3}", r.Key, Currency: r.Currency ?? currency))
            .Select(g =>
            {
                var open = g.Where(r => !r.Won).Sum(r => r.Amount);
                var weighted = Currencies.Round(g.Where(r => !r.Won).Sum(r => r.Amount * r.Probability / 100m), g.Key.Currency);
                var wonAmount = g.Where(r => r.Won).Sum(r => r.Amount);
                return new ForecastLine(g.Key.Period, by == "owner" ? g.Key.Key : null, by == "team" ? g.Key.Key : null,
                    g.Sum(r => r.Count), open, weighted, wonAmount, wonAmount + weighted) { Currency = g.Key.Currency };
            })
            .OrderBy(l => l.Period).ThenBy(l => l.OwnerId ?? l.TeamId).ThenBy(l => l.Currency)
            .ToList();
        var totals = lines.GroupBy(l => l.Currency).OrderBy(g => g.Key != currency).ThenBy(g => g.Key)
            .Select(g => new ForecastLine("total", null, null, g.Sum(l => l.Count), g.Sum(l => l.Pipeline), g.Sum(l => l.Weighted),
                g.Sum(l => l.Won), g.Sum(l => l.Forecast)) { Currency = g.Key })
            .ToList();
        var total = totals.FirstOrDefault(t => t.Currency == currency) ?? new ForecastLine("total", null, null, 0, 0, 0, 0, 0) { Currency = currency };
        return Results.Ok(new ForecastReport(start, end, period, by, lines, total) { Totals = totals.Count == 0 ? [total] : totals });
    }

    private static async Task<IResult> Overdue(IRecordAccess access, TimeProvider clock, CancellationToken ct, int limit = 50, string? cursor = null)
    {
        if (limit is < 1 or > MaxPageSize) return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxPageSize}"] });
        if (await access.DepthAsync<Opportunity>(Privileges.Read, ct) == AccessDepth.None)
            throw new AccessDeniedException("You may not read opportunities.");
        var now = clock.GetUtcNow().UtcDateTime;
        var open = Stages.Open;
        var query = (await access.ScopeAsync<Opportunity>(cancellationToken: ct))
            .Where(o => open.Contains(o.Stage) && o.NextFollowUpAtUtc != null && o.NextFollowUpAtUtc < now);
        if (cursor is not null)
        {
            if (!PageCursor.TryDecode(cursor, out DateTime at, out Guid id))
                return Results.ValidationProblem(new Dictionary<string, string[]> { [PageCursor.Parameter] = ["is not a cursor this list returned (pass its nextCursor)"] });
            query = query.Where(o => o.NextFollowUpAtUtc > at || (o.NextFollowUpAtUtc == at && o.Id.CompareTo(id) > 0));
        }
        var page = await query.OrderBy(o => o.NextFollowUpAtUtc).ThenBy(o => o.Id).Take(limit + 1)
            .Select(o => new OverdueItem(o.Id, o.Name, o.CustomerId, o.Stage, o.Amount, o.NextStep, o.NextFollowUpAtUtc!.Value,
                EF.Property<string?>(o, SystemFields.OwnerId)))
            .ToListAsync(ct);
        var items = page.Take(limit).Select(i => i with { DaysOverdue = (int)(now - i.NextFollowUpAtUtc).TotalDays }).ToList();
        var next = page.Count > limit ? PageCursor.Encode(items[^1].NextFollowUpAtUtc, items[^1].Id) : null;
        return Results.Ok(new CursorPage<OverdueItem>(items, next));
    }

    private static DateOnly ParseDate(string? text, string name, DateOnly fallback, Dictionary<string, string[]> errors)
    {
        if (text is null) return fallback;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors[name] = ["must be a date as yyyy-MM-dd"];
        return fallback;
    }

}

/// <summary>The forecast over a window of expected close dates.</summary>
public sealed record ForecastReport(DateOnly From, DateOnly To, string Period, string? By, IReadOnlyList<ForecastLine> Lines, ForecastLine Total)
{
    /// <summary>One total per currency, the tenant's default currency first; <see cref="Total"/> is that one.</summary>
    public IReadOnlyList<ForecastLine> Totals { get; init; } = [];
}

/// <summary>
/// One period (and owner or team): open pipeline, weighted by probability, won, and the forecast
/// (won plus weighted open).
/// </summary>
public sealed record ForecastLine(string Period, string? OwnerId, string? TeamId, int Count, decimal Pipeline, decimal Weighted, decimal Won, decimal Forecast)
{
    /// <summary>The ISO 4217 currency of every amount of the line.</summary>
    public string Currency { get; init; } = "";
}

/// <summary>An open opportunity whose follow-up is late.</summary>
public sealed record OverdueItem(Guid Id, string Name, Guid CustomerId, OpportunityStage Stage, decimal Amount, string? NextStep, DateTime NextFollowUpAtUtc, string? OwnerId)
{
    public int DaysOverdue { get; init; }
}

