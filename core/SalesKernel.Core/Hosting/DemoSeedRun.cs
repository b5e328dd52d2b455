using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Hosting;

/// <summary>
/// How far <c>seed-demo</c> got with a tenant: the options it ran with and the plugins whose demo
/// data is complete. A run stopped part way (Ctrl+C, <c>kill -9</c>, a power cut) is resumed from it.
/// </summary>
public sealed class DemoSeedRun
{
    public Guid TenantId { get; set; }
    /// <summary>Whether the command created the tenant (then its administrator is a demo user too).</summary>
    public bool CreatedTenant { get; set; }
    public int Customers { get; set; }
    public int Seed { get; set; }
    /// <summary>The demo's "now": a resumed run dates its records as the first run did.</summary>
    public DateTime StartedAtUtc { get; set; }
    public DateTime? CompletedAtUtc { get; set; }
    /// <summary>The plugins whose demo data is written completely, comma-separated.</summary>
    public string CompletedPlugins { get; set; } = "";

    public IReadOnlyList<string> Completed => CompletedPlugins.Split(',', StringSplitOptions.RemoveEmptyEntries);

    internal static void Configure(EntityTypeBuilder<DemoSeedRun> b)
    {
        b.ToTable("sk_demo_seed_run");
        b.HasKey(r => r.TenantId);
        b.Property(r => r.CompletedPlugins).HasMaxLength(4000).IsRequired();
        b.Ignore(r => r.Completed);
    }
}
