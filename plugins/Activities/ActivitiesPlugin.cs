using Microsoft.EntityFrameworkCore;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities;

/// <summary>Tasks and reminders on any record, the link check, completion and "my day".</summary>
public sealed class ActivitiesPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Activity>("activities", set => set
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
            .DefaultSort("dueAtUtc"));
        builder.AddHandler<Activity, ActivityLinkRule>(HandlerStage.PreOperation);
        builder.MapEndpoints(endpoints => endpoints.MapActivityApi());
        builder.AddDemoData<ActivityDemoData>();
        builder.AddMessages(Messages.Chinese);
    }
}

/// <summary>An activity about a record names both the set and the record, and the record must be one the writer can read.</summary>
public sealed class ActivityLinkRule(IRecordAccess access) : IEntityHandler<Activity>
{
    public async Task HandleAsync(IEntityChange<Activity> change, CancellationToken cancellationToken)
    {
        if (change.After is not { } activity) return;
        if (change.Operation == WriteOperation.Update && !change.ChangedFields.Contains("entitySet") && !change.ChangedFields.Contains("recordId")) return;
        if (activity.EntitySet is null && activity.RecordId is null) return;
        if (activity.EntitySet is null || activity.RecordId is null)
            throw new RecordValidationException(new Dictionary<string, string[]>
            {
                [activity.EntitySet is null ? "entitySet" : "recordId"] = ["is required with " + (activity.EntitySet is null ? "recordId" : "entitySet")],
            });
        if (!await access.CanReadAsync(activity.EntitySet, activity.RecordId.Value, cancellationToken))
            throw new RecordNotFoundException(activity.EntitySet, activity.RecordId.Value);
    }
}
