using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Customers.Rules;

/// <summary>A new customer with the name of one in the same region is probably a duplicate (查重).</summary>
public sealed class DuplicateCustomerRule(IEntityStore store, IRecordAccess access) : IEntityHandler<Customer>
{
    public async Task HandleAsync(IEntityChange<Customer> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.IsConfirmed || change.After is not { } customer) return;
        var name = Keys.Of(customer.Name) ?? "";
        // the same customer twice in one bulk create is a duplicate too
        if (change.Unsaved.FirstOrDefault(c => Keys.Of(c.Name) == name && c.Region == customer.Region) is { } twin)
            throw new DuplicateRecordException(change.EntitySet, [twin.Id], $"A customer named {customer.Name} in {customer.Region ?? "no region"} is in this request twice.");
        // duplicates are looked for company-wide; only those the caller may read are named
        // by the indexed key; rows written before the key existed (none after their next write) by their name
        System.Linq.Expressions.Expression<Func<Customer, bool>> same = c => c.Id != customer.Id && c.Region == customer.Region
            && (c.NameKey == name || c.NameKey == null && c.Name.ToLower() == name);
        if (!await store.QueryAsSystem<Customer>().AnyAsync(same, cancellationToken)) return;
        var candidates = await (await access.ScopeAsync<Customer>(cancellationToken: cancellationToken))
            .Where(same)
            .OrderBy(c => c.Id).Select(c => c.Id).Take(10).ToListAsync(cancellationToken);
        throw new DuplicateRecordException(change.EntitySet, candidates, candidates.Count > 0
            ? $"A customer named {customer.Name} exists in {customer.Region ?? "no region"} already."
            : $"A customer named {customer.Name} exists in {customer.Region ?? "no region"} already, held by a colleague: ask them or your manager.");
    }
}

/// <summary>A new contact with the email or phone of an existing one is probably a duplicate.</summary>
public sealed class DuplicateContactRule(IEntityStore store, IRecordAccess access) : IEntityHandler<Contact>
{
    public async Task HandleAsync(IEntityChange<Contact> change, CancellationToken cancellationToken)
    {
        if (change.Operation != WriteOperation.Create || change.IsConfirmed || change.After is not { } contact) return;
        var email = Keys.Of(contact.Email);
        var phone = string.IsNullOrWhiteSpace(contact.Phone) ? null : contact.Phone.Trim();
        if (email is null && phone is null) return;
        System.Linq.Expressions.Expression<Func<Contact, bool>> same = c =>
            c.Id != contact.Id && (email != null && (c.EmailKey == email || c.EmailKey == null && c.Email != null && c.Email.ToLower() == email)
                || phone != null && c.Phone == phone);
        if (change.Unsaved is { Count: > 0 } unsaved && unsaved.FirstOrDefault(same.Compile()) is { } twin)
            throw new DuplicateRecordException(change.EntitySet, [twin.Id], "A contact with this email or phone is in this request twice.");
        if (!await store.QueryAsSystem<Contact>().AnyAsync(same, cancellationToken)) return;
        var candidates = await (await access.ScopeAsync<Contact>(cancellationToken: cancellationToken)).Where(same)
            .OrderBy(c => c.Id).Select(c => c.Id).Take(10).ToListAsync(cancellationToken);
        throw new DuplicateRecordException(change.EntitySet, candidates, candidates.Count > 0
            ? "A contact with this email or phone exists already."
            : "A contact with this email or phone exists already, held by a colleague: ask them or your manager.");
    }
}
