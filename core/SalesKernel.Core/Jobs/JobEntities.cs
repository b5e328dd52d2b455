using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SalesKernel.Core.Jobs;

/// <summary>A job's schedule in the database: when it runs next, and which host holds it while it runs.</summary>
public sealed class JobSchedule
{
    public string Job { get; set; } = "";
    public string Cron { get; set; } = "";
    public DateTime NextRunAtUtc { get; set; }
    public DateTime? LastRunAtUtc { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntilUtc { get; set; }

    internal static void Configure(EntityTypeBuilder<JobSchedule> b)
    {
        b.ToTable("sk_job");
        b.HasKey(j => j.Job);
        b.Property(j => j.Job).HasMaxLength(200);
        b.Property(j => j.Cron).HasMaxLength(100).IsRequired();
        b.Property(j => j.LeaseOwner).HasMaxLength(100);
    }
}

/// <summary>One run of a job (for one tenant, or for the installation).</summary>
public sealed class JobRunRecord
{
    public long Id { get; set; }
    public string Job { get; set; } = "";
    /// <summary>Guid.Empty for an installation-wide run (so the uniqueness below holds on every database).</summary>
    public Guid TenantId { get; set; }
    public DateTime ScheduledAtUtc { get; set; }
    public DateTime StartedAtUtc { get; set; }
    public DateTime? FinishedAtUtc { get; set; }
    public string Status { get; set; } = "";
    public string? Error { get; set; }
    public string Host { get; set; } = "";

    internal static void Configure(EntityTypeBuilder<JobRunRecord> b)
    {
        b.ToTable("sk_job_run");
        b.HasKey(r => r.Id);
        b.Property(r => r.Job).HasMaxLength(200).IsRequired();
        b.Property(r => r.Status).HasMaxLength(20).IsRequired();
        b.Property(r => r.Error).HasMaxLength(2000);
        b.Property(r => r.Host).HasMaxLength(100).IsRequired();
        // one run per job, tenant and scheduled time: the database itself forbids a second
        b.HasIndex(r => new { r.Job, r.TenantId, r.ScheduledAtUtc }).IsUnique();
        b.HasIndex(r => new { r.TenantId, r.Job, r.Id });
    }
}
