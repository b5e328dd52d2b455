using SalesKernel.Plugins.Leads.Endpoints;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Plugins.Leads.Jobs;
using SalesKernel.Plugins.Leads.Rules;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Leads;

/// <summary>Leads and the lead pool: entity sets, the follow-up rules, the idle-return job and the pool endpoints.</summary>
public sealed class LeadsPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddEntitySet<Lead>("leads", LeadConfiguration.DeclareLeads);
        builder.AddEntitySet<LeadFollowUp>("follow-ups", LeadConfiguration.DeclareFollowUps);
        builder.AddEntitySet<PoolSettings>("pool-settings", LeadConfiguration.DeclareSettings);
        builder.AddHandler<LeadFollowUp, FollowUpRule>(HandlerStage.PreOperation);
        builder.AddHandler<LeadFollowUp, FollowUpTouchesLead>(HandlerStage.PostOperation);
        // hourly by default: a lead goes back within the hour after its N days are up
        builder.AddJob<IdleLeadReturn>("return-idle-leads", builder.Configuration["IdleReturnCron"] ?? "0 * * * *");
        builder.MapEndpoints(endpoints => endpoints.MapLeadApi());
        builder.AddDemoData<LeadDemoData>();
        builder.AddMessages(Messages.Chinese);
    }
}
