using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace SalesKernel.Core.Data;

/// <summary>
/// EF Core caches one model per key in a process-wide cache. The kernel's model depends on which
/// plugins a host started, so the key includes the host's plugin catalog: two hosts in one process
/// (as in tests) never see each other's model.
/// </summary>
internal sealed class PluginModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        context is KernelDbContext kernel
            ? (context.GetType(), kernel.Catalog, designTime)
            : (context.GetType(), designTime);
}
