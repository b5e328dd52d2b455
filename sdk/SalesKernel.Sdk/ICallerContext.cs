namespace SalesKernel.Sdk;

/// <summary>
/// Who the current request (or background work) acts for. Inject it where a plugin needs the
/// tenant or the user; entity-set queries and writes already apply the tenant on their own.
/// </summary>
public interface ICallerContext
{
    /// <summary>The tenant (company) whose data is in reach; null for platform administrators and unauthenticated calls.</summary>
    Guid? TenantId { get; }

    /// <summary>The signed-in user's id (or the API key's id); null when anonymous.</summary>
    string? UserId { get; }

    /// <summary>True for a platform administrator, who manages tenants and sees no tenant's data.</summary>
    bool IsPlatformAdmin { get; }
}
