using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;
using SalesKernel.Core.Security;
using SalesKernel.Sdk;

namespace SalesKernel.Core.Records
{
    /// <summary>The caller's tenant's calendar (the SDK's <see cref="ITenantCalendar"/>), over the cached settings.</summary>
    public sealed class TenantCalendar(Tenancy.TenantSettingsCache settings, CallerContext caller, TimeProvider clock) : ITenantCalendar
    {
        private Guid Tenant => caller.TenantId ?? throw new InvalidOperationException("A calendar is a tenant's: act for one.");

        public async Task<TimeZoneInfo> TimeZoneAsync(CancellationToken cancellationToken = default) => (await settings.GetAsync(Tenant, cancellationToken)).Zone;

        public async Task<string> CurrencyAsync(CancellationToken cancellationToken = default) => (await settings.GetAsync(Tenant, cancellationToken)).Currency;

        public async Task<DateOnly> TodayAsync(CancellationToken cancellationToken = default) =>
            DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), await TimeZoneAsync(cancellationToken)).DateTime);

        public (DateOnly First, DateOnly Last) PeriodOf(DateOnly date, CalendarPeriod period) => Tenancy.Calendar.PeriodOf(date, period);

        public async Task<(DateTime StartUtc, DateTime EndUtc)> UtcRangeAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken = default)
        {
            var zone = await TimeZoneAsync(cancellationToken);
            return (Tenancy.Calendar.StartOfDayUtc(first, zone), Tenancy.Calendar.StartOfDayUtc(last.AddDays(1), zone));
        }
    }
}

namespace SalesKernel.Core.Tenancy
{
    /// <summary>Calendar arithmetic in a time zone, and the ISO 4217 currencies .NET knows.</summary>
    public static class Calendar
    {
        public static (DateOnly First, DateOnly Last) PeriodOf(DateOnly date, CalendarPeriod period)
        {
            switch (period)
            {
                case CalendarPeriod.Day: return (date, date);
                case CalendarPeriod.Week:
                    var monday = date.AddDays(-(((int)date.DayOfWeek + 6) % 7));
                    return (monday, monday.AddDays(6));
                case CalendarPeriod.Month:
                    var month = new DateOnly(date.Year, date.Month, 1);
                    return (month, month.AddMonths(1).AddDays(-1));
                case CalendarPeriod.Quarter:
                    var quarter = new DateOnly(date.Year, (date.Month - 1) / 3 * 3 + 1, 1);
                    return (quarter, quarter.AddMonths(3).AddDays(-1));
                default:
                    return (new DateOnly(date.Year, 1, 1), new DateOnly(date.Year, 12, 31));
            }
        }

        /// <summary>The instant a day starts in a zone; on a day whose midnight a clock change skips, the first instant that exists.</summary>
        public static DateTime StartOfDayUtc(DateOnly day, TimeZoneInfo zone)
        {
            var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
            while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
            return TimeZoneInfo.ConvertTimeToUtc(local, zone);
        }

        public static bool TryZone(string? id, out TimeZoneInfo zone)
        {
            zone = TimeZoneInfo.Utc;
            if (string.IsNullOrWhiteSpace(id)) return true;
            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
        }
    }

    /// <summary>Each tenant's time zone and currency, cached like its modules (while the tenant's shared change stamp stays the same).</summary>
    public sealed class TenantSettingsCache(Security.ChangeStamps stamps, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        public sealed record Settings(TimeZoneInfo Zone, string Currency);

        private readonly ConcurrentDictionary<Guid, (Security.SharedStamp Shared, Settings Settings)> _cache = new();

        /// <summary>The currency of a tenant that set none (<c>SalesKernel:Tenants:DefaultCurrency</c>, CNY by default).</summary>
        public string DefaultCurrency => configuration["SalesKernel:Tenants:DefaultCurrency"] is { Length: 3 } c ? c : "CNY";

        public async Task<Settings> GetAsync(Guid tenant, CancellationToken cancellationToken)
        {
            var shared = await stamps.CurrentAsync(tenant, cancellationToken);
            if (_cache.TryGetValue(tenant, out var cached) && cached.Shared == shared) return cached.Settings;
            await using var lease = stamps.Context();
            var db = lease.Db;
            var row = await db.Tenants.AsNoTracking().Where(t => t.Id == tenant).Select(t => new { t.TimeZone, t.Currency }).FirstOrDefaultAsync(cancellationToken);
            var settings = new Settings(Calendar.TryZone(row?.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc, row?.Currency ?? DefaultCurrency);
            _cache[tenant] = (shared, settings);
            return settings;
        }

        public void Invalidate(Guid tenant) => _cache.TryRemove(tenant, out _);
    }
}
