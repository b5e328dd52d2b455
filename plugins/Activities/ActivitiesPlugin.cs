using SalesKernel.Plugins.Activities.Endpoints;
using SalesKernel.Plugins.Activities.Entities;
using SalesKernel.Plugins.Activities.Rules;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Activities;

/// <summary>Tasks and reminders on any record, the link check, completion and "my day".</summary>
public sealed class ActivitiesPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Activity>("activities", ActivityConfiguration.Declare);
        builder.AddHandler<Activity, ActivityLinkRule>(HandlerStage.PreOperation);
        builder.MapEndpoints(endpoints => endpoints.MapActivityApi());
        builder.AddDemoData<ActivityDemoData>();
        builder.AddMessages(Messages.Chinese);
    }
}
