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
        // creates of the same name and region take turns until their transactions end: the second sees the first
        await store.LockAsync($"customers.customer:{name}:{customer.Region}", cancellationToken);
        // duplicates are looked for company-wide; only those the caller may read are named. By the indexed
        // key; rows written before the key existed (none after their next write) by their name. Two queries
        // in one (UNION ALL): each is an index seek, where one OR of both makes the database scan the tenant.
        System.Linq.Expressions.Expression<Func<Customer, bool>> byKey = c => c.Id != customer.Id && c.NameKey == name && c.Region == customer.Region;
        System.Linq.Expressions.Expression<Func<Customer, bool>> byName = c => c.Id != customer.Id && c.NameKey == null && c.Region == customer.Region && c.Name.ToLower() == name;
        var all = store.QueryAsSystem<Customer>();
        if (!await all.Where(byKey).Concat(all.Where(byName)).AnyAsync(cancellationToken)) return;
        var readable = await access.ScopeAsync<Customer>(cancellationToken: cancellationToken);
        var candidates = await readable.Where(byKey).Concat(readable.Where(byName))
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
        System.Linq.Expressions.Expression<Func<Contact, bool>> byEmail = c => c.Id != contact.Id && email != null && c.EmailKey == email;
        System.Linq.Expressions.Expression<Func<Contact, bool>> byOldEmail = c => c.Id != contact.Id && email != null && c.EmailKey == null && c.Email != null && c.Email.ToLower() == email;
        System.Linq.Expressions.Expression<Func<Contact, bool>> byPhone = c => c.Id != contact.Id && phone != null && c.Phone == phone;
        if (change.Unsaved is { Count: > 0 } unsaved
            && unsaved.FirstOrDefault(c => c.Id != contact.Id && (email != null && Keys.Of(c.Email) == email || phone != null && c.Phone?.Trim() == phone)) is { } twin)
            throw new DuplicateRecordException(change.EntitySet, [twin.Id], "A contact with this email or phone is in this request twice.");
        // creates of the same email or phone take turns until their transactions end (in one order: no deadlock)
        foreach (var key in new[] { email is null ? null : $"customers.contact.email:{email}", phone is null ? null : $"customers.contact.phone:{phone}" }.OfType<string>().Order(StringComparer.Ordinal))
            await store.LockAsync(key, cancellationToken);
        // each condition an index seek, together in one query (UNION ALL): an OR of them makes the database scan the tenant
        IQueryable<Contact> Same(IQueryable<Contact> source) => source.Where(byEmail).Concat(source.Where(byOldEmail)).Concat(source.Where(byPhone));
        if (!await Same(store.QueryAsSystem<Contact>()).AnyAsync(cancellationToken)) return;
        var candidates = await Same(await access.ScopeAsync<Contact>(cancellationToken: cancellationToken))
            .Select(c => c.Id).Distinct().OrderBy(c => c).Take(10).ToListAsync(cancellationToken);
        throw new DuplicateRecordException(change.EntitySet, candidates, candidates.Count > 0
            ? "A contact with this email or phone exists already."
            : "A contact with this email or phone exists already, held by a colleague: ask them or your manager.");
    }
}
