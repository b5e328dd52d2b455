using SalesKernel.Plugins.Activities.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities.Rules;

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
