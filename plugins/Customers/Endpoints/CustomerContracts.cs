using SalesKernel.Plugins.Customers.Entities;

namespace SalesKernel.Plugins.Customers.Endpoints;

/// <summary>What a client sends to create or replace a customer.</summary>
public sealed record CustomerInput(string? Name, string? Industry, CompanySize? Size, string? Region, CustomerTier? Tier)
{
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(Name)) errors["name"] = ["is required"];
        else if (Name.Trim().Length > CustomerConfiguration.NameLength) errors["name"] = [$"must be at most {CustomerConfiguration.NameLength} characters"];
        if (Industry?.Length > CustomerConfiguration.ShortTextLength) errors["industry"] = [$"must be at most {CustomerConfiguration.ShortTextLength} characters"];
        if (Region?.Length > CustomerConfiguration.ShortTextLength) errors["region"] = [$"must be at most {CustomerConfiguration.ShortTextLength} characters"];
        if (Size is { } size && !Enum.IsDefined(size)) errors["size"] = ["is not a known company size"];
        if (Tier is { } tier && !Enum.IsDefined(tier)) errors["tier"] = ["is not a known tier"];
        return errors;
    }

    public void ApplyTo(Customer customer)
    {
        customer.Name = Name!.Trim();
        customer.Industry = Blank(Industry);
        customer.Size = Size;
        customer.Region = Blank(Region);
        customer.Tier = Tier ?? CustomerTier.Standard;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>A customer as the API returns it.</summary>
public sealed record CustomerDto(
    Guid Id, string Name, string? Industry, CompanySize? Size, string? Region, CustomerTier Tier,
    DateTime CreatedAtUtc, DateTime UpdatedAtUtc)
{
    public static CustomerDto From(Customer c) =>
        new(c.Id, c.Name, c.Industry, c.Size, c.Region, c.Tier, c.CreatedAtUtc, c.UpdatedAtUtc);
}

/// <summary>One page of customers and how many match in all.</summary>
public sealed record CustomerPage(IReadOnlyList<CustomerDto> Items, int Total, int Offset, int Limit);
