using SalesKernel.Sdk.Entities;

namespace SalesKernel.Core.Queries;

/// <summary>
/// Keyset paging for the kernel's own lists (users, tenants, runs, deliveries, the approval inbox),
/// in the shape of every list: <c>?limit=&amp;cursor=</c>, answered as <see cref="CursorPage{T}"/>.
/// </summary>
internal static class KernelPaging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int Limit(int? limit) => limit switch
    {
        null => DefaultLimit,
        < 1 or > MaxLimit => throw new QueryException($"limit must be between 1 and {MaxLimit}"),
        _ => limit.Value,
    };

    /// <summary>The sort key the cursor names, or false when there is no cursor (the first page).</summary>
    public static bool After<TKey>(string? cursor, out TKey key)
    {
        key = default!;
        if (cursor is null) return false;
        return PageCursor.TryDecode(cursor, out key) ? true : throw new QueryException("cursor is not a cursor this list returned: pass its nextCursor");
    }

    /// <summary>The page from <paramref name="limit"/> + 1 rows read in order: the extra row says there is a next page.</summary>
    public static CursorPage<TItem> Page<TRow, TItem>(List<TRow> rows, int limit, Func<TRow, object> key, Func<TRow, TItem> item) =>
        new(rows.Take(limit).Select(item).ToList(), rows.Count > limit ? PageCursor.Encode(key(rows[limit - 1])) : null);
}
