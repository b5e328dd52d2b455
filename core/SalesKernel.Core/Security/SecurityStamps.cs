using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// Checks that a token's security stamp is still the user's: a changed password or a disabled user
/// revokes every token issued before. Cached briefly; a change made on this host is seen at once.
/// </summary>
public sealed class SecurityStamps(IServiceScopeFactory scopes, IOptions<SecurityOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset At, string? Stamp)> _cache = new();

    public async Task<bool> IsCurrentAsync(Guid userId, string stamp, CancellationToken cancellationToken)
    {
        if (!_cache.TryGetValue(userId, out var cached) || clock.GetUtcNow() - cached.At > TimeSpan.FromSeconds(options.Value.StampCacheSeconds))
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<KernelDbContext>();
            var current = await db.AcrossTenants<UserAccount>().AsNoTracking().Where(u => u.Id == userId && u.IsActive).Select(u => u.SecurityStamp).FirstOrDefaultAsync(cancellationToken);
            cached = (clock.GetUtcNow(), current);
            _cache[userId] = cached;
        }
        return cached.Stamp == stamp;
    }

    public void Invalidate(Guid userId) => _cache.TryRemove(userId, out _);
}
