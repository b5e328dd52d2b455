using SalesKernel.Plugins.Opportunities.Endpoints;
using SalesKernel.Plugins.Opportunities.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Opportunities;

/// <summary>Opportunities with their stage machine, plus the forecast and overdue follow-up endpoints.</summary>
public sealed class OpportunitiesPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Opportunity>("opportunities", OpportunityConfiguration.Declare);
        builder.MapEndpoints(endpoints => endpoints.MapOpportunityApi());
        builder.AddDemoData<OpportunityDemoData>();
        builder.AddMessages(Messages.Chinese);
    }
}
