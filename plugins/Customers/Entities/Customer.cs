using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Entities;

/// <summary>A customer account (客户). Times, authors and version are kept by the kernel.</summary>
public sealed class Customer : IEntity
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Industry { get; set; }
    public CompanySize? Size { get; set; }
    public string? Region { get; set; }
    public CustomerTier Tier { get; set; } = CustomerTier.Standard;
    /// <summary>Where the account is in its life (潜在客户 → 成交客户 → 重点客户 → 流失); changed by transitions.</summary>
    public CustomerLifecycle Lifecycle { get; set; }
    /// <summary>Credit rating (信用评级), such as AAA, AA, A, B, C.</summary>
    public string? CreditRating { get; set; }
    /// <summary>Free tags, comma-separated.</summary>
    public string? Tags { get; set; }
    /// <summary>The name as the duplicate rule compares it (trimmed, lower case); kept by the plugin, not served.</summary>
    public string? NameKey { get; set; }
}

/// <summary>The lifecycle of an account.</summary>
public enum CustomerLifecycle
{
    Prospect,
    Customer,
    KeyAccount,
    Churned,
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

/// <summary>Customer tier (客户分层): how much attention the account gets, highest first.</summary>
public enum CustomerTier
{
    Strategic,
    Key,
    Standard,
    Basic,
}
