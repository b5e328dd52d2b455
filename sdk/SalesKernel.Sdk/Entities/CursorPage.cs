using System.Text;
using System.Text.Json;

namespace SalesKernel.Sdk.Entities;

/// <summary>
/// A page of a keyset-paged list, in the shape every list of the API has: the entity sets' lists
/// and plugin lists alike. Pass <see cref="NextCursor"/> as <c>?cursor=</c> for the following page;
/// it is null on the last page.
/// </summary>
/// <typeparam name="T">The items' type.</typeparam>
/// <param name="Items">The page's items, in the list's order.</param>
/// <param name="NextCursor">The cursor of the following page, or null when there is none.</param>
public sealed record CursorPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Opaque cursors for keyset paging in a plugin's own list endpoints: the sort values of a page's
/// last item, encoded so that a client passes them back without reading them (base64url JSON, as the
/// entity sets' cursors are).
/// </summary>
public static class PageCursor
{
    /// <summary>The query parameter a list takes its cursor from.</summary>
    public const string Parameter = "cursor";

    /// <summary>The cursor after an item with these sort values.</summary>
    /// <param name="values">The sort values of the page's last item, in the sort's order.</param>
    /// <returns>An opaque, URL-safe text.</returns>
    public static string Encode(params object?[] values) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(values)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Reads a cursor of one sort value; false for anything <see cref="Encode"/> did not make.</summary>
    /// <typeparam name="T1">The sort value's type.</typeparam>
    /// <param name="cursor">The text the client sent.</param>
    /// <param name="first">The sort value.</param>
    /// <returns>Whether the text is such a cursor.</returns>
    public static bool TryDecode<T1>(string? cursor, out T1 first)
    {
        first = default!;
        if (Read(cursor, 1) is not { } values || !TryValue(values[0], out first)) return false;
        return true;
    }

    /// <summary>Reads a cursor of two sort values (a sort key and a tiebreaker); false for anything <see cref="Encode"/> did not make.</summary>
    /// <typeparam name="T1">The first sort value's type.</typeparam>
    /// <typeparam name="T2">The second sort value's type.</typeparam>
    /// <param name="cursor">The text the client sent.</param>
    /// <param name="first">The first sort value.</param>
    /// <param name="second">The second sort value.</param>
    /// <returns>Whether the text is such a cursor.</returns>
    public static bool TryDecode<T1, T2>(string? cursor, out T1 first, out T2 second)
    {
        first = default!;
        second = default!;
        return Read(cursor, 2) is { } values && TryValue(values[0], out first) && TryValue(values[1], out second);
    }

    private static JsonElement[]? Read(string? cursor, int count)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 1000) return null;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            var values = JsonSerializer.Deserialize<JsonElement[]?>(Convert.FromBase64String(base64));
            return values is { Length: var n } && n == count ? values : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool TryValue<T>(JsonElement element, out T value)
    {
        value = default!;
        if (element.ValueKind == JsonValueKind.Null) return false; // a sort value of a real cursor is never empty
        try
        {
            value = element.Deserialize<T>()!;
            switch (value)
            {
                case null:
                    return false;
                case string text when text.Contains('\0'):
                    return false; // no sort value of a real cursor holds it, and PostgreSQL refuses it
                case DateTime time when time.Kind != DateTimeKind.Utc:
                    // every time the API keeps is UTC: a cursor's is too, whatever the client wrote
                    value = (T)(object)(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc));
                    return true;
                default:
                    return true;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or FormatException)
        {
            return false;
        }
    }
}
