using Bogus;
using Microsoft.EntityFrameworkCore;
using SalesKernel.Plugins.Customers.Entities;
using SalesKernel.Plugins.Opportunities.Entities;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.Plugins.Opportunities;

/// <summary>An opportunity for every other demo customer, owned by the customer's owner, across all stages.</summary>
public sealed class OpportunityDemoData : IDemoDataSeeder
{
    private const int Page = 5_000;

    private static readonly string[] Products = ["CNC machines", "Cold-chain trucks", "ERP licences", "Solar panels", "Packaging line", "Lab equipment", "Office furniture", "Maintenance contract"];
    private static readonly string[] LostReasons = ["Price: a competitor was cheaper", "Project cancelled", "Chose the incumbent supplier", "Budget moved to next year", "No decision"];
    private static readonly LossReason[] LossReasons = [LossReason.Competitor, LossReason.NoDecision, LossReason.Relationship, LossReason.NoBudget, LossReason.NoDecision];
    private static readonly string[] NextSteps = ["Send the revised quotation", "Book a site visit", "Technical clarification call", "Meet the purchasing director", "Prepare the contract draft"];

    public async Task SeedAsync(IDemoData demo, CancellationToken cancellationToken)
    {
        var f = new Faker { Random = new Randomizer(demo.Seed + 1) };
        var owners = demo.Users.ToDictionary(u => u.Id);
        var progress = demo.Progress("Opportunities", (demo.Customers + 1) / 2);
        var today = DateOnly.FromDateTime(demo.NowUtc);
        var n = 0;
        // walk the customers in id order (keyset pages), never all of them in memory
        for (Guid after = Guid.Empty; ;)
        {
            var last = after;
            var page = await demo.Query<Customer>().Where(c => c.Id.CompareTo(last) > 0).OrderBy(c => c.Id).Take(Page)
                .Select(c => new { c.Id, c.Name, Owner = EF.Property<string?>(c, SystemFields.OwnerId), CreatedAt = EF.Property<DateTime>(c, SystemFields.CreatedAt) })
                .ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            var records = new List<DemoRecord<Opportunity>>();
            foreach (var c in page)
            {
                if (n++ % 2 != 0) continue;
                var stage = f.Random.WeightedRandom(
                    [OpportunityStage.Qualification, OpportunityStage.NeedsAnalysis, OpportunityStage.Proposal, OpportunityStage.Negotiation, OpportunityStage.Won, OpportunityStage.Lost],
                    [0.25f, 0.2f, 0.2f, 0.15f, 0.12f, 0.08f]);
                var open = Stages.Open.Contains(stage);
                var created = f.Date.Between(c.CreatedAt, demo.NowUtc);
                int? lostAs = stage == OpportunityStage.Lost ? f.Random.Int(0, LostReasons.Length - 1) : null;
                records.Add(new DemoRecord<Opportunity>(new Opportunity
                {
                    Name = $"{c.Name}: {f.PickRandom(Products)}",
                    CustomerId = c.Id,
                    Amount = Math.Round(f.Random.Decimal(5_000, 500_000) / 100) * 100,
                    ExpectedCloseDate = open ? today.AddDays(f.Random.Int(-20, 180)) : today.AddDays(f.Random.Int(-120, 0)),
                    Priority = f.PickRandom<OpportunityPriority>(),
                    Stage = stage,
                    Probability = Stages.DefaultProbability(stage),
                    NextStep = open ? f.PickRandom(NextSteps) : null,
                    NextFollowUpAtUtc = open ? demo.NowUtc.AddDays(f.Random.Int(-10, 20)).Date.AddHours(f.Random.Int(1, 10)) : null,
                    LostReason = lostAs is { } l ? LostReasons[l] : null,
                    LossReason = lostAs is { } k ? LossReasons[k] : null,
                    ClosedAtUtc = open ? null : f.Date.Between(created, demo.NowUtc),
                }, c.Owner is { } o && owners.TryGetValue(o, out var owner) ? owner : null, created));
            }
            await demo.InsertAsync(records, progress, cancellationToken);
            after = page[^1].Id;
        }
    }
}
