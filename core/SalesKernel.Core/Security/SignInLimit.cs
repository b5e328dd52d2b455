using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>Sign-in attempts from one client address in one minute, counted in the database that every host shares.</summary>
public sealed class SignInWindow
{
    /// <summary>The client's address (behind a configured proxy: the forwarded one).</summary>
    public string Address { get; set; } = "";
    /// <summary>The minute counted, in UTC.</summary>
    public DateTime WindowStartUtc { get; set; }
    public int Attempts { get; set; }

    internal static void Configure(EntityTypeBuilder<SignInWindow> b)
    {
        b.ToTable("sk_signin_window");
        b.HasKey(w => new { w.Address, w.WindowStartUtc });
        b.Property(w => w.Address).HasMaxLength(64);
        b.HasIndex(w => w.WindowStartUtc);
    }
}

/// <summary>
/// At most <see cref="SecurityOptions.SignInsPerMinute"/> sign-in, refresh and sign-out calls per client
/// address and minute, across every host sharing the database (an in-memory limiter would allow that
/// many per host). A refused call answers 429 with Retry-After: the seconds left in the minute.
/// </summary>
internal sealed class SignInLimit : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var limit = services.GetRequiredService<IOptions<SecurityOptions>>().Value.SignInsPerMinute;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var window = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var address = SignInFailures.AddressOf(http);
        var attempts = await CountAsync(services, address, window, http.RequestAborted);
        if (attempts <= limit) return await next(context);
        services.GetRequiredService<Telemetry.KernelMetrics>().SignInRefused("limited");
        var retryAfter = (int)Math.Ceiling((window.AddMinutes(1) - now).TotalSeconds);
        http.Response.Headers.RetryAfter = Math.Max(1, retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts",
            detail: $"At most {limit} sign-in attempts a minute are allowed from one address; try again in {Math.Max(1, retryAfter)} s.");
    }

    /// <summary>Counts this attempt and answers how many this minute has seen from the address, this one included.</summary>
    private static async Task<int> CountAsync(IServiceProvider services, string address, DateTime window, CancellationToken ct)
    {
        // a context of its own: the endpoint's saves must not carry this one's rows, nor this one the endpoint's
        await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var windows = db.Set<SignInWindow>();
        using (await scope.ServiceProvider.GetRequiredService<SqliteWriteGate>().EnterAsync(db, ct))
        {
            for (var attempt = 0; ; attempt++)
            {
                // the increment is one statement: attempts made at once on several hosts are all counted
                if (await windows.Where(w => w.Address == address && w.WindowStartUtc == window)
                        .ExecuteUpdateAsync(u => u.SetProperty(w => w.Attempts, w => w.Attempts + 1), ct) > 0)
                    break;
                windows.Add(new SignInWindow { Address = address, WindowStartUtc = window, Attempts = 1 });
                try
                {
                    await db.SaveChangesAsync(ct);
                    return 1;
                }
                catch (DbUpdateException) when (attempt == 0)
                {
                    // another host counted the minute's first attempt at the same moment: count on its row
                    db.ChangeTracker.Clear();
                }
            }
        }
        return await windows.AsNoTracking().Where(w => w.Address == address && w.WindowStartUtc == window).Select(w => w.Attempts).FirstAsync(ct);
    }
}
