using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// Request bodies or parameters that cannot be read (malformed JSON, a string where a number goes)
/// answer 400 ProblemDetails saying what could not be read, instead of an empty 400.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        context.Response.StatusCode = bad.StatusCode;
        // the reason is said once: a message that quotes its inner exception already is not extended with it
        var detail = bad.InnerException is { } inner && !bad.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{bad.Message} {inner.Message}" : bad.Message;
        // a converter's own message carries no position: say which property it was
        if (bad.InnerException is System.Text.Json.JsonException { Path: { Length: > 0 } path } && !detail.Contains("Path:", StringComparison.Ordinal))
            detail += $" Path: {path}.";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = bad.StatusCode, Title = "The request could not be read", Detail = detail },
        });
    }
}
