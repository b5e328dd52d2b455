namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>A customer account (客户).</summary>
public sealed class Customer
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Industry { get; set; }
    public CompanySize? Size { get; set; }
    public string? Region { get; set; }
    public CustomerTier Tier { get; set; } = CustomerTier.Standard;
    public DateTime CreatedAtUtc { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
}

/// <summary>Company size by headcount (企业规模).</summary>
public enum CompanySize
{
    Micro,
    Small,
    Medium,
    Large,
    Enterprise,
}

/// <summary>Customer tier (客户分层): how much attention the account gets.</summary>
public enum CustomerTier
{
    Strategic,
    Key,
    Standard,
    Basic,
}
