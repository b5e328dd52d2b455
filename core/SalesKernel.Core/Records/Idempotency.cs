using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using SalesKernel.Core.Data;
using SalesKernel.Core.Security;

namespace SalesKernel.Core.Records;

/// <summary>Idempotency keys: how long a key's answer is kept (<c>SalesKernel:Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    /// <summary>Hours a key and its answer are kept; a retry within them gets the first answer (24).</summary>
    public int RetentionHours { get; set; } = 24;

    /// <summary>
    /// Seconds a write that used a key may still be answering; a retry within them is told 409 "in
    /// progress" with Retry-After, after them it gets what the write committed (10).
    /// </summary>
    public int InProgressSeconds { get; set; } = 10;
}

/// <summary>
/// One <c>Idempotency-Key</c> of a tenant: bound in the transaction of the first write made with it (so
/// the key exists if and only if the write committed), then given the answer that write sent.
/// </summary>
public sealed class IdempotencyRecord
{
    public Guid TenantId { get; set; }
    public string Key { get; set; } = "";
    public string UserId { get; set; } = "";
    /// <summary>SHA-256 of the method, path, query and body: the same key with another request is refused.</summary>
    public string Fingerprint { get; set; } = "";
    public int StatusCode { get; set; }
    /// <summary>False while the answer is the provisional one written with the change (the record's id and location).</summary>
    public bool Final { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    public string? ETag { get; set; }
    public string? Body { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public DateTime ExpiresAtUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("sk_idempotency");
        b.HasKey(r => new { r.TenantId, r.Key });
        b.Property(r => r.Key).HasMaxLength(255);
        b.Property(r => r.UserId).HasMaxLength(64);
        b.Property(r => r.Fingerprint).HasMaxLength(64);
        b.Property(r => r.ContentType).HasMaxLength(200);
        b.Property(r => r.Location).HasMaxLength(500);
        b.Property(r => r.ETag).HasMaxLength(100);
        b.HasIndex(r => r.ExpiresAtUtc);
    }
}

/// <summary>Another request with the same key committed first, or is committing: nothing of this one was written.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

/// <summary>The key of the request being served, and whether a write has bound it yet.</summary>
internal sealed class IdempotencyScope
{
    public string? Key { get; set; }
    public string Fingerprint { get; set; } = "";
    /// <summary>Where the record the request writes is read (a create's new record), for the provisional answer.</summary>
    public string? Resource { get; set; }
    public Guid? ResourceId { get; set; }
    public int ProvisionalStatus { get; set; } = StatusCodes.Status200OK;
    public bool Bound { get; private set; }

    /// <summary>
    /// In the write's transaction, before it commits: the key's row, with a provisional answer. A key
    /// already taken fails the write (its transaction rolls back) with <see cref="IdempotencyConflictException"/>.
    /// </summary>
    public async Task BindAsync(KernelDbContext db, IdempotencyOptions options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Key is null || Bound || db.Caller.TenantId is not { } tenant) return;
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new IdempotencyRecord
        {
            TenantId = tenant, Key = Key, UserId = db.Caller.UserId ?? "", Fingerprint = Fingerprint,
            StatusCode = ProvisionalStatus, Location = Resource, ContentType = ResourceId is null ? null : "application/json; charset=utf-8",
            Body = ResourceId is { } id ? $"{{\"id\":\"{id}\"}}" : null,
            CreatedAtUtc = now, ExpiresAtUtc = now.AddHours(Math.Max(1, options.RetentionHours)),
        };
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is SqliteException { SqliteExtendedErrorCode: 1555 or 2067 } or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
            || e.InnerException is Microsoft.Data.SqlClient.SqlException s && Data.SqlServerSql.UniqueViolation.Contains(s.Number))
        {
            throw new IdempotencyConflictException($"Another request with Idempotency-Key '{Key}' was made at the same time and wrote first; retry to get its answer. Nothing of this one was written.");
        }
        db.Entry(row).State = EntityState.Detached;
        Bound = true;
    }
}

/// <summary>
/// <c>Idempotency-Key</c> on writes (POST, PUT, PATCH, DELETE) of a tenant's users: a retry with the key
/// of a write that committed gets that write's answer again (<c>Idempotent-Replayed: true</c>) and
/// writes nothing. The key is bound in the write's own transaction, so a write that failed or never
/// ran leaves no key behind and can be retried as it was. The same key with another request is
/// refused (422); keys are the tenant's, kept <see cref="IdempotencyOptions.RetentionHours"/>.
/// </summary>
internal static class IdempotencyMiddleware
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    private const int MaxStoredBody = 512 * 1024;

    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0 || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
        {
            await next(http);
            return;
        }
        var caller = http.RequestServices.GetRequiredService<CallerContext>();
        if (caller.TenantId is not { } tenant)
        {
            await next(http);
            return;
        }
        if (key.Length > 255 || key.Any(c => c is < '!' or > '~'))
        {
            await Problem(http, 400, "Idempotency-Key is not valid", "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good key).");
            return;
        }
        var options = http.RequestServices.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        var clock = http.RequestServices.GetRequiredService<TimeProvider>();
        var db = http.RequestServices.GetRequiredService<KernelDbContext>();
        var fingerprint = await FingerprintAsync(http);
        var now = clock.GetUtcNow().UtcDateTime;

        var known = await db.Set<IdempotencyRecord>().AsNoTracking()
            .FirstOrDefaultAsync(r => r.TenantId == tenant && r.Key == key, http.RequestAborted);
        if (known is not null && known.ExpiresAtUtc <= now)
        {
            // past its retention the key is free again
            await db.Set<IdempotencyRecord>().Where(r => r.TenantId == tenant && r.Key == key && r.ExpiresAtUtc <= now).ExecuteDeleteAsync(http.RequestAborted);
            known = null;
        }
        if (known is not null)
        {
            if (known.Fingerprint != fingerprint || known.UserId != (caller.UserId ?? ""))
            {
                await Problem(http, 422, "Idempotency-Key already used",
                    $"Idempotency-Key '{key}' was used for another request (another method, path, body or user); use a new key for a new request.");
                return;
            }
            if (!known.Final && known.CreatedAtUtc > now.AddSeconds(-Math.Max(1, options.InProgressSeconds)))
            {
                http.Response.Headers.RetryAfter = "1";
                await Problem(http, 409, "Request in progress", $"The request with Idempotency-Key '{key}' is still being answered; retry in a moment.");
                return;
            }
            await ReplayAsync(http, known);
            return;
        }

        var scope = http.RequestServices.GetRequiredService<IdempotencyScope>();
        scope.Key = key;
        scope.Fingerprint = fingerprint;
        var original = http.Response.Body;
        await using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        if (scope.Bound && http.Response.StatusCode < 500 && buffer.Length <= MaxStoredBody)
        {
            // the write committed: its answer becomes the key's answer (a 5xx keeps the provisional one)
            var body = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var status = http.Response.StatusCode;
            var contentType = http.Response.ContentType;
            var location = http.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null;
            var etag = http.Response.Headers.ETag.ToString() is { Length: > 0 } t ? t : null;
            await db.Set<IdempotencyRecord>().Where(r => r.TenantId == tenant && r.Key == key)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.StatusCode, status).SetProperty(r => r.Body, body).SetProperty(r => r.ContentType, contentType)
                    .SetProperty(r => r.Location, location).SetProperty(r => r.ETag, etag).SetProperty(r => r.Final, true), CancellationToken.None);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    });

    private static async Task ReplayAsync(HttpContext http, IdempotencyRecord known)
    {
        http.Response.StatusCode = known.StatusCode;
        http.Response.Headers[ReplayedHeader] = "true";
        if (known.Location is { } location) http.Response.Headers.Location = location;
        if (known.ETag is { } etag) http.Response.Headers.ETag = etag;
        if (known.ContentType is { } type) http.Response.ContentType = type;
        if (known.Body is { Length: > 0 } body) await http.Response.WriteAsync(body, http.RequestAborted);
    }

    private static async Task<string> FingerprintAsync(HttpContext http)
    {
        http.Request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{http.Request.Method}\n{http.Request.Path}{http.Request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0) sha.AppendData(chunk, 0, read);
        http.Request.Body.Position = 0;
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static Task Problem(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        Localization.ProblemLanguage.Apply(http, problem); // written here, before the endpoint: in the caller's language too
        return http.Response.WriteAsJsonAsync(problem,
            (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", http.RequestAborted);
    }
}

/// <summary>Deletes the keys past their retention, of every tenant, every poll (<c>SalesKernel:Jobs:PollSeconds</c>).</summary>
internal sealed class IdempotencyCleanup(IServiceScopeFactory scopes, TimeProvider clock, Microsoft.Extensions.Configuration.IConfiguration configuration,
    Microsoft.Extensions.Logging.ILogger<IdempotencyCleanup> logger) : Jobs.PollingWorker(clock, configuration, logger)
{
    protected override string FailureMessage => "Deleting expired idempotency keys and sign-in counts failed";

    public override async Task RunDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
        var now = Clock.GetUtcNow().UtcDateTime;
        using var turn = await scope.ServiceProvider.GetRequiredService<SqliteWriteGate>().EnterAsync(db, ct);
        await db.AcrossTenants<IdempotencyRecord>().Where(r => r.ExpiresAtUtc <= now).ExecuteDeleteAsync(ct);
        // the sign-in counts of minutes gone by (Security.SignInLimit) are of no more use either
        var minuteAgo = now.AddMinutes(-2);
        await db.Set<Security.SignInWindow>().Where(w => w.WindowStartUtc < minuteAgo).ExecuteDeleteAsync(ct);
        // failed sign-ins older than any lock they could still hold
        var forgotten = now.AddMinutes(-scope.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Security.SecurityOptions>>().Value.LockoutMinutes);
        await db.Set<Security.SignInFailure>().Where(f => f.LastFailedAtUtc < forgotten).ExecuteDeleteAsync(ct);
    }
}
