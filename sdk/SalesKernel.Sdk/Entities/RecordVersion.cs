using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace SalesKernel.Sdk.Entities;

/// <summary>A record's version as an HTTP entity tag: <c>"3"</c>.</summary>
public static class RecordVersion
{
    /// <summary>The ETag for a version.</summary>
    /// <param name="version">The record's version.</param>
    /// <returns><c>"3"</c> for 3.</returns>
    public static string ToETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The version a request's <c>If-Match</c> header expects: null when the header is absent or
    /// <c>*</c>; <c>"3"</c> and <c>W/"3"</c> both mean 3. Anything else answers 400.
    /// </summary>
    /// <param name="request">The HTTP request.</param>
    /// <returns>The expected version, or null for "any".</returns>
    /// <exception cref="BadHttpRequestException">The header is not a record ETag.</exception>
    public static long? FromIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*") return null;
        var text = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"'
            && long.TryParse(text[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            return version;
        throw new BadHttpRequestException($"If-Match must be the ETag of the record, such as \"3\"; '{header}' is not.");
    }
}
