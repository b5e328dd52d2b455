using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// Checks that a token's security stamp is still the user's: a changed password or a disabled user
/// revokes every token issued before. The user's stamp is kept while the shared change stamp of their
/// tenant (<see cref="ChangeStamps"/>) stays the one it was read under: a change made on this host is
/// seen at once, one made on another host on the next request (or within the stamp interval).
/// </summary>
public sealed class SecurityStamps(ChangeStamps changes)
{
    /// <summary>More users than this and the cache starts again: a bound on memory, not a working limit.</summary>
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<Guid, (SharedStamp Shared, string? Stamp)> _cache = new();

    /// <summary>Whether <paramref name="stamp"/> is the user's current security stamp (and the user is active).</summary>
    public async Task<bool> IsCurrentAsync(Guid userId, Guid? tenant, string stamp, CancellationToken cancellationToken)
    {
        var shared = await changes.CurrentAsync(tenant, cancellationToken);
        if (!_cache.TryGetValue(userId, out var cached) || cached.Shared != shared)
        {
            await using var lease = changes.Context();
            var db = lease.Db;
            var current = await db.AcrossTenants<UserAccount>().AsNoTracking().Where(u => u.Id == userId && u.IsActive).Select(u => u.SecurityStamp).FirstOrDefaultAsync(cancellationToken);
            cached = (shared, current);
            if (_cache.Count >= MaxEntries) _cache.Clear();
            _cache[userId] = cached;
        }
        return cached.Stamp == stamp;
    }

    public void Invalidate(Guid userId) => _cache.TryRemove(userId, out _);
}
