using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.Data.SqlClient;
using SalesKernel.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using SalesKernel.Core.Queries;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// Turns the SDK's and the kernel's exceptions into ProblemDetails, whoever threw them (generic
/// endpoints, plugin endpoints, handlers): 400 invalid fields or query, 404 missing record, 409 or
/// 422 a database constraint, 412 a stale version, 422 a business rule.
/// </summary>
internal sealed class KernelExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RecordValidationException v => new HttpValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = 400, Title = Localization.ProblemLanguage.ValidationTitle,
            },
            QueryException q => new ProblemDetails { Status = 400, Title = "The query is not valid", Detail = q.Message },
            AccessDeniedException a => new ProblemDetails { Status = 403, Title = "Not allowed", Detail = a.Message },
            Workflow.TransitionNotFoundException t => new ProblemDetails { Status = 404, Title = "Transition not found", Detail = t.Message },
            Workflow.ApprovalNotFoundException a => new ProblemDetails { Status = 404, Title = "Approval not found", Detail = a.Message },
            RecordNotFoundException n => new ProblemDetails { Status = 404, Title = "Record not found", Detail = n.Message },
            DuplicateRecordException d => new ProblemDetails
            {
                Status = 409, Title = "Possible duplicate", Detail = d.Message,
                Extensions = { ["candidates"] = d.Candidates, ["hint"] = "Repeat the request with ?force=true to write it anyway." },
            },
            RecordInUseException u => new ProblemDetails
            {
                Status = 409, Title = "Other records refer to it", Detail = u.Message, Extensions = { ["usedBy"] = u.UsedBy },
            },
            Records.IdempotencyConflictException i => new ProblemDetails { Status = 409, Title = "Same Idempotency-Key at the same time", Detail = i.Message },
            ConcurrencyConflictException c => new ProblemDetails { Status = 412, Title = "The record was changed by someone else", Detail = c.Message },
            RuleViolationException r => new ProblemDetails
            {
                Status = 422, Title = "A business rule refused the change", Detail = r.Message, Extensions = { ["rule"] = r.Rule },
            },
            DbUpdateConcurrencyException => new ProblemDetails { Status = 409, Title = "Changed at the same time", Detail = "Someone else changed it at the same moment; read it again and retry." },
            DbUpdateException d when Constraint(d) is { } constraint => constraint,
            _ when Deadlock(exception) => new ProblemDetails
            {
                Status = 409, Title = "Changed at the same time",
                Detail = "Another write needed the same records at the same moment; nothing of this one was written. Retry it.",
            },
            _ when Unavailable(exception) => new ProblemDetails
            {
                Status = 503, Title = "The database is busy",
                Detail = "The database has no connection free (or cannot be reached) right now; nothing was changed by this request. Try again shortly.",
            },
            _ => null,
        };
        if (problem is null) return false;
        context.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == 503) context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    public const int RetryAfterSeconds = 5;

    /// <summary>PostgreSQL chose this transaction to end a deadlock, or could not serialize it: it was rolled back whole.</summary>
    private static bool Deadlock(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }
                || e is SqlException s && SqlServerSql.Retry.Contains(s.Number)) return true;
        return false;
    }

    /// <summary>
    /// The database could not serve the request: out of connections (the host's pool exhausted, or the
    /// server's <c>max_connections</c>), not accepting connections, unreachable, or (SQLite) locked past the
    /// busy timeout. Each request is one transaction, so nothing it meant to write was written.
    /// </summary>
    private static bool Unavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException p when p.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ConfigurationLimitExceeded
                    or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown || p.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                // no connection at all (refused, timed out waiting for the pool): the driver's own error, not the server's
                case NpgsqlException n when n.IsTransient:
                    return true;
                case SqliteException { SqliteErrorCode: 5 or 6 }: // SQLITE_BUSY, SQLITE_LOCKED
                    return true;
                // SQL Server: no connection could be made or the server refused more (-2 timeout, 53/40 network, 4060 database, 10928/10936 Azure limits)
                case SqlException s when s.Number is -2 or 2 or 53 or 40 or 4060 or 10928 or 10929 or 10936 or 233:
                    return true;
                case SqlException:
                    return false;
                // SqlClient's pool timed out waiting for a free connection (other InvalidOperationExceptions are bugs, not the database)
                case InvalidOperationException { Source: "Microsoft.Data.SqlClient" } i when i.Message.Contains("pool", StringComparison.OrdinalIgnoreCase):
                    return true;
            }
        return false;
    }

    /// <summary>A write the database itself refused: a duplicate, a dangling reference, a failed check.</summary>
    private static ProblemDetails? Constraint(DbUpdateException e) => Refused(e.InnerException) switch
    {
        Refusal.Unique => new ProblemDetails { Status = 409, Title = "A record with the same key already exists", Detail = "The change would duplicate a value that must be unique." },
        Refusal.Reference => new ProblemDetails { Status = 422, Title = "A reference is not valid", Detail = "The change refers to a record that does not exist, or removes one that others still refer to." },
        Refusal.Check => new ProblemDetails { Status = 422, Title = "A database check refused the change", Detail = "A value breaks a rule the database enforces." },
        Refusal.TooLong => new ProblemDetails { Status = 400, Title = "A value is too long", Detail = "A text is longer than the field allows." },
        Refusal.Missing => new ProblemDetails { Status = 400, Title = "A required value is missing", Detail = "A field that must have a value was left empty." },
        _ => null,
    };

    private enum Refusal { None, Unique, Reference, Check, TooLong, Missing }

    /// <summary>What each database's error says, in one vocabulary.</summary>
    private static Refusal Refused(Exception? e) => e switch
    {
        SqliteException { SqliteExtendedErrorCode: 2067 or 1555 } or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => Refusal.Unique,
        SqliteException { SqliteExtendedErrorCode: 787 } or PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } => Refusal.Reference,
        SqliteException { SqliteExtendedErrorCode: 275 } or PostgresException { SqlState: PostgresErrorCodes.CheckViolation } => Refusal.Check,
        PostgresException { SqlState: PostgresErrorCodes.StringDataRightTruncation } => Refusal.TooLong,
        SqliteException { SqliteExtendedErrorCode: 1299 } or PostgresException { SqlState: PostgresErrorCodes.NotNullViolation } => Refusal.Missing,
        SqlException s when SqlServerSql.UniqueViolation.Contains(s.Number) => Refusal.Unique,
        SqlException { Number: SqlServerSql.ConstraintViolation } s => s.Message.Contains("FOREIGN KEY", StringComparison.Ordinal) ? Refusal.Reference : Refusal.Check,
        SqlException s when SqlServerSql.Truncation.Contains(s.Number) => Refusal.TooLong,
        SqlException { Number: SqlServerSql.NotNull } => Refusal.Missing,
        _ => Refusal.None,
    };
}
