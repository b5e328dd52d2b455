namespace SalesKernel.Plugins.Leads;

/// <summary>The privileges the plugin adds to the standard ones (read, create, update, delete, assign, share, export).</summary>
public static class Permissions
{
    /// <summary>Take leads from the pool (领取), declared on <c>leads.leads</c>; checked by the claim endpoint.</summary>
    public const string Claim = "claim";
}
