using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Core.Data;
using SalesKernel.Core.Metadata;
using SalesKernel.Core.Plugins;
using SalesKernel.Core.Records;
using SalesKernel.Core.Security;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Tenancy;

/// <summary>
/// <c>/api/tenant/settings</c> (the company's time zone and default currency) and
/// <c>/api/tenant/number-sequences</c> (the formats of its document numbers): for tenant administrators.
/// </summary>
internal static class TenantSettingsApi
{
    public static void MapTenantSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tenant").WithTags("Tenant").RequireAuthorization(TenantPluginApi.TenantAdminPolicy);
        group.MapGet("/settings", async (CallerContext caller, TenantSettingsCache cache, CancellationToken ct) =>
            {
                var settings = await cache.GetAsync(caller.TenantId!.Value, ct);
                return TypedResults.Ok(new TenantSettingsBody(settings.Zone.Id, settings.Currency));
            })
            .WithName("GetTenantSettings").WithSummary("The company's time zone and default currency.");
        group.MapPut("/settings", SetSettingsAsync).WithName("SetTenantSettings")
            .WithSummary("Set the time zone (IANA, such as Asia/Shanghai) and the default currency (ISO 4217, such as CNY).")
            .ProducesValidationProblem();
        group.MapGet("/number-sequences", ListSequencesAsync).WithName("ListNumberSequences")
            .WithSummary("Every document-number sequence of the loaded plugins, with this company's format and the next number.");
        group.MapPut("/number-sequences/{name}", SetFormatAsync).WithName("SetNumberFormat")
            .WithSummary("Change the format of a sequence's numbers (literal text, one counter such as {000000}, {yyyy} {yy} {MM} {dd}); null: the plugin's.")
            .ProducesValidationProblem().ProducesProblem(404);
    }

    private static async Task<IResult> SetSettingsAsync(TenantSettingsBody body, CallerContext caller, KernelDbContext db, TenantSettingsCache cache, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        if (body.TimeZone is not null && !Calendar.TryZone(body.TimeZone, out _))
            FieldValidation.Add(errors, "timeZone", "must be an IANA time zone, such as Asia/Shanghai or Europe/Berlin");
        var currency = body.Currency?.Trim().ToUpperInvariant();
        if (currency is not null && !SalesKernel.Sdk.Currencies.IsKnown(currency))
            FieldValidation.Add(errors, "currency", "must be an ISO 4217 currency code, such as CNY, USD or EUR");
        if (errors.Count > 0) throw new RecordValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        var tenant = await db.Tenants.FirstAsync(t => t.Id == caller.TenantId, ct);
        if (body.TimeZone is not null) tenant.TimeZone = body.TimeZone;
        if (currency is not null) tenant.Currency = currency;
        await db.SaveChangesAsync(ct);
        cache.Invalidate(tenant.Id);
        var settings = await cache.GetAsync(tenant.Id, ct);
        return TypedResults.Ok(new TenantSettingsBody(settings.Zone.Id, settings.Currency));
    }

    private static async Task<IResult> ListSequencesAsync(PluginCatalog catalog, KernelDbContext db, TenantCalendar calendar, HttpContext http, CancellationToken ct)
    {
        var language = Language.Of(http);
        var formats = await db.Set<NumberFormatSetting>().AsNoTracking().ToDictionaryAsync(f => f.Sequence, f => f.Format, ct);
        var today = await calendar.TodayAsync(ct);
        var result = new List<NumberSequenceResponse>();
        foreach (var sequence in catalog.Loaded.SelectMany(p => p.Registration?.Sequences ?? []))
        {
            var format = formats.GetValueOrDefault(sequence.FullName) ?? sequence.DefaultFormat;
            var period = NumberFormat.Period(format, today);
            var next = await db.Set<NumberCounter>().AsNoTracking().Where(c => c.Sequence == sequence.FullName && c.Period == period)
                .Select(c => (long?)c.Next).FirstOrDefaultAsync(ct) ?? 1;
            result.Add(new NumberSequenceResponse(sequence.FullName, sequence.DisplayName.In(language), format, sequence.DefaultFormat,
                NumberFormat.Render(format, today, next)));
        }
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> SetFormatAsync(string name, NumberFormatBody body, PluginCatalog catalog, CallerContext caller, KernelDbContext db, CancellationToken ct)
    {
        if (!catalog.Loaded.SelectMany(p => p.Registration?.Sequences ?? []).Any(s => s.FullName == name))
            return TypedResults.Problem(statusCode: 404, title: "Sequence not found", detail: $"No loaded plugin declares the number sequence '{name}'.");
        var format = body.Format?.Trim();
        if (format is not null && NumberFormat.Problem(format) is { } problem)
            throw new RecordValidationException(new Dictionary<string, string[]> { ["format"] = [problem] });
        var row = await db.Set<NumberFormatSetting>().FirstOrDefaultAsync(f => f.Sequence == name, ct);
        if (format is null) { if (row is not null) db.Remove(row); }
        else if (row is null) db.Add(new NumberFormatSetting { TenantId = caller.TenantId!.Value, Sequence = name, Format = format });
        else row.Format = format;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>The company's time zone and default currency.</summary>
public sealed record TenantSettingsBody(string? TimeZone, string? Currency);
/// <summary>A sequence's format for the company; null goes back to the plugin's.</summary>
public sealed record NumberFormatBody(string? Format);
/// <summary>A sequence: its format here, the plugin's, and the number the next document would get.</summary>
public sealed record NumberSequenceResponse(string Name, string DisplayName, string Format, string DefaultFormat, string NextNumber);
