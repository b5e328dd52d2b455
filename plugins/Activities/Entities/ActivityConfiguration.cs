using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities.Entities;

/// <summary>What the plugin declares of activities: model, fields and ownership.</summary>
internal static class ActivityConfiguration
{
    public static void Declare(EntitySetBuilder<Activity> set) => set
        .DisplayName(new("Activity", "活动"), new("Activities", "活动"))
        .Model(b =>
        {
            b.Property(a => a.Subject).HasMaxLength(200).IsRequired();
            b.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
            b.Property(a => a.Priority).HasConversion<string>().HasMaxLength(20);
            b.Property(a => a.Notes).HasMaxLength(4000);
            b.Property(a => a.EntitySet).HasMaxLength(130);
            // "my day" reads a user's open activities by due time; a record's page lists its activities
            b.HasIndex(SystemFields.OwnerId, nameof(Activity.CompletedAtUtc), nameof(Activity.DueAtUtc));
            b.HasIndex(a => new { a.EntitySet, a.RecordId });
        })
        .Field(a => a.Subject, f => f.DisplayName(new("Subject", "主题")).Required().Searchable().Filterable().Sortable())
        .Field(a => a.Kind, f => f.DisplayName(new("Kind", "类型")).Filterable().Sortable())
        .Field(a => a.Priority, f => f.DisplayName(new("Priority", "优先级")).Filterable().Sortable())
        .Field(a => a.Notes, f => f.DisplayName(new("Notes", "备注")).Searchable())
        .Field(a => a.EntitySet, f => f.DisplayName(new("About (entity set)", "关联对象类型")).Filterable())
        .Field(a => a.RecordId, f => f.DisplayName(new("About (record)", "关联记录")).Filterable())
        .Field(a => a.DueAtUtc, f => f.DisplayName(new("Due", "截止时间")).Filterable().Sortable())
        .Field(a => a.CompletedAtUtc, f => f.DisplayName(new("Completed at", "完成时间")).ReadOnly().Filterable().Sortable())
        .OwnedByUser()
        .DefaultSort("dueAtUtc");
}
