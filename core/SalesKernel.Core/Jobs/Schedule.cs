using Cronos;

namespace SalesKernel.Core.Jobs;

/// <summary>Cron schedules (Cronos): five fields, or six with seconds first; times in UTC.</summary>
public static class Schedule
{
    public static CronExpression Parse(string cron)
    {
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new ArgumentException($"'{cron}' is not a cron expression: {e.Message}", nameof(cron), e);
        }
    }

    /// <summary>The next occurrence after an instant, the cron read in a time zone (UTC by default): "0 9 * * *" is nine o'clock there.</summary>
    public static DateTime? Next(string cron, DateTime afterUtc, TimeZoneInfo? zone = null) =>
        Parse(cron).GetNextOccurrence(DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc), zone ?? TimeZoneInfo.Utc);
}
