namespace SalesKernel.Sdk;

/// <summary>A span of the calendar that reports and numbers count by.</summary>
public enum CalendarPeriod
{
    /// <summary>One day.</summary>
    Day,
    /// <summary>A week, Monday to Sunday (ISO 8601).</summary>
    Week,
    /// <summary>A calendar month.</summary>
    Month,
    /// <summary>A calendar quarter (January–March, …).</summary>
    Quarter,
    /// <summary>A calendar year.</summary>
    Year,
}

/// <summary>
/// The caller's tenant's calendar: its time zone and default currency, "today" and periods as the
/// company sees them — not UTC's. A sale at 07:30 on 1 January in Shanghai is January's sale.
/// </summary>
public interface ITenantCalendar
{
    /// <summary>The tenant's time zone (UTC when it set none).</summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The zone.</returns>
    Task<TimeZoneInfo> TimeZoneAsync(CancellationToken cancellationToken = default);

    /// <summary>The tenant's default currency, an ISO 4217 code such as <c>CNY</c>.</summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The code.</returns>
    Task<string> CurrencyAsync(CancellationToken cancellationToken = default);

    /// <summary>Today's date in the tenant's time zone.</summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The date.</returns>
    Task<DateOnly> TodayAsync(CancellationToken cancellationToken = default);

    /// <summary>The period holding a date, as its first and last day.</summary>
    /// <param name="date">A date.</param>
    /// <param name="period">The kind of period.</param>
    /// <returns>The period's first and last day (inclusive).</returns>
    (DateOnly First, DateOnly Last) PeriodOf(DateOnly date, CalendarPeriod period);

    /// <summary>The instants (UTC) a span of the tenant's days covers: from the start of <paramref name="first"/> to the start of the day after <paramref name="last"/>.</summary>
    /// <param name="first">The first day.</param>
    /// <param name="last">The last day.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The start (inclusive) and end (exclusive), in UTC.</returns>
    Task<(DateTime StartUtc, DateTime EndUtc)> UtcRangeAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken = default);
}
