using Bogus;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

/// <summary>
/// Demo customers with one or two contacts each, and a follow-up on every other one, owned by the
/// demo's reps and managers. Deterministic for a given seed (ids aside).
/// </summary>
public sealed class CustomerDemoData : IDemoDataSeeder
{
    private const int Chunk = 10_000;

    private static readonly string[] Industries = ["Manufacturing", "Retail", "Logistics", "Healthcare", "Education", "Construction", "Energy", "Food & Beverage", "Software", "Finance"];
    private static readonly string[] Regions = ["East", "North", "South", "West", "Central"];
    private static readonly string[] Ratings = ["AAA", "AA", "A", "B", "C"];
    private static readonly string[] Outcomes = ["Interested, wants a quote", "Asked for references", "Budget approved next quarter", "Not the right time", "Requested a product demo", "Comparing with a competitor"];
    private static readonly string[] NextSteps = ["Send the quotation", "Schedule a demo", "Visit the plant", "Call the buyer again", "Introduce the service team"];

    public async Task SeedAsync(IDemoData demo, CancellationToken cancellationToken)
    {
        var f = new Faker { Random = new Randomizer(demo.Seed) };
        var owners = demo.Users.ToList();
        var total = demo.Customers;
        var customers = demo.Progress("Customers", total);
        var contacts = demo.Progress("Contacts", total + total / 2);
        var followUps = demo.Progress("Customer follow-ups", (total + 1) / 2);
        for (var start = 0; start < total; start += Chunk)
        {
            var batch = new List<DemoRecord<Customer>>(Math.Min(Chunk, total - start));
            for (var i = start; i < Math.Min(start + Chunk, total); i++)
            {
                var lifecycle = f.Random.WeightedRandom(
                    [CustomerLifecycle.Prospect, CustomerLifecycle.Customer, CustomerLifecycle.KeyAccount, CustomerLifecycle.Churned], [0.4f, 0.4f, 0.1f, 0.1f]);
                batch.Add(new DemoRecord<Customer>(new Customer
                {
                    Name = $"{f.Company.CompanyName()} {f.Address.City()}",
                    Industry = f.PickRandom(Industries),
                    Size = f.PickRandom<CompanySize>(),
                    Region = f.PickRandom(Regions),
                    Tier = lifecycle == CustomerLifecycle.KeyAccount ? CustomerTier.Key : f.Random.WeightedRandom([CustomerTier.Standard, CustomerTier.Basic, CustomerTier.Strategic], [0.6f, 0.35f, 0.05f]),
                    Lifecycle = lifecycle,
                    CreditRating = lifecycle == CustomerLifecycle.Prospect ? null : f.PickRandom(Ratings),
                    Tags = f.Random.Bool(0.3f) ? string.Join(",", f.Commerce.Categories(2)) : null,
                }, f.PickRandom(owners), f.Date.Between(demo.NowUtc.AddYears(-2), demo.NowUtc)));
            }
            await demo.InsertAsync(batch, customers, cancellationToken);
            await demo.InsertAsync(batch.SelectMany((c, i) => Enumerable.Range(0, (start + i) % 2 == 0 ? 2 : 1).Select(n => new DemoRecord<Contact>(new Contact
            {
                CustomerId = c.Entity.Id,
                Name = f.Name.FullName(),
                Title = f.Name.JobTitle(),
                Phone = f.Phone.PhoneNumber("+86 1## #### ####"),
                Email = f.Internet.Email(),
                IsPrimary = n == 0,
            }, c.Owner, c.CreatedAtUtc))).ToList(), contacts, cancellationToken);
            await demo.InsertAsync(batch.Where((_, i) => (start + i) % 2 == 0).Select(c =>
            {
                var at = f.Date.Between(c.CreatedAtUtc, demo.NowUtc);
                return new DemoRecord<FollowUp>(new FollowUp
                {
                    CustomerId = c.Entity.Id,
                    Kind = f.PickRandom<FollowUpKind>(),
                    AtUtc = at,
                    Outcome = f.PickRandom(Outcomes),
                    NextStep = f.PickRandom(NextSteps),
                    NextFollowUpAtUtc = f.Random.Bool(0.5f) ? demo.NowUtc.AddDays(f.Random.Int(-10, 20)) : null,
                }, c.Owner, at);
            }).ToList(), followUps, cancellationToken);
        }
    }
}
