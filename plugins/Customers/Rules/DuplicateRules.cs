using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Rules;

/// <summary>A new customer with the name of one in the same region is probably a duplicate (查重).</summary>
public sealed class DuplicateCustomerRule(IEntityStore store) : IEntityHandler<Customer>
{
    public async Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.IsConfirmed || change.After is not { } customer) return;
        var name = customer.Name.Trim().ToLower();
        var candidates = await store.Query<Customer>()
            .Where(c => c.Id != customer.Id && c.Name.ToLower() == name && c.Region == customer.Region)
            .Select(c => c.Id).Take(10).ToListAsync(cancellationToken);
        if (candidates.Count > 0)
            throw new DuplicateRecordException(change.EntitySet, candidates,
                $"A customer named {customer.Name} exists in {customer.Region ?? "no region"} already.");
    }
}

/// <summary>A new contact with the email or phone of an existing one is probably a duplicate.</summary>
public sealed class DuplicateContactRule(IEntityStore store) : IEntityHandler<Contact>
{
    public async Task HandleAsync(IEntityChange<Contact> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.IsConfirmed || change.After is not { } contact) return;
        var email = contact.Email?.Trim().ToLower();
        var phone = string.IsNullOrWhiteSpace(contact.Phone) ? null : contact.Phone.Trim();
        if (email is null && phone is null) return;
        var candidates = await store.Query<Contact>()
            .Where(c => c.Id != contact.Id && (email != null && c.Email != null && c.Email.ToLower() == email || phone != null && c.Phone == phone))
            .Select(c => c.Id).Take(10).ToListAsync(cancellationToken);
        if (candidates.Count > 0)
            throw new DuplicateRecordException(change.EntitySet, candidates, "A contact with this email or phone exists already.");
    }
}
