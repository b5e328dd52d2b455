using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>A person at a customer (联系人).</summary>
public sealed class Contact : IEntity
{
    public Guid Id { get; set; }
    public Guid CustomerId { get; set; }
    public string Name { get; set; } = "";
    public string? Title { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    /// <summary>The customer's main contact.</summary>
    public bool IsPrimary { get; set; }
    /// <summary>The email as the duplicate rule compares it (trimmed, lower case); kept by the plugin, not served.</summary>
    public string? EmailKey { get; set; }
}
