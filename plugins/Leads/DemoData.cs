using Bogus;
using SalesKernel.Plugins.Leads.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Leads;

/// <summary>Half as many leads as customers: a fifth waiting in the pool, the rest with the reps in every status.</summary>
public sealed class LeadDemoData : IDemoDataSeeder
{
    private const int Chunk = 10_000;
    private const int HeldPerRep = PoolSettings.DefaultCap - 10;

    private static readonly string[] Regions = ["East", "North", "South", "West", "Central"];
    private static readonly string[] Industries = ["Manufacturing", "Retail", "Logistics", "Healthcare", "Education", "Construction", "Energy", "Software"];
    private static readonly string[] ReturnReasons = ["No budget this year", "Could not reach the contact", "Not our market", "No follow-up for 30 days"];

    public async Task SeedAsync(IDemoData demo, CancellationToken cancellationToken)
    {
        var f = new Faker { Random = new Randomizer(demo.Seed + 2) };
        var reps = demo.Users.Where(u => u.Role == Sdk.Entities.StandardRoles.SalesRep).ToList();
        if (reps.Count == 0) reps = [.. demo.Users];
        var total = demo.Customers / 2;
        var progress = demo.Progress("Leads", total);
        var held = new Dictionary<string, int>();
        for (var start = 0; start < total; start += Chunk)
        {
            var batch = new List<DemoRecord<Lead>>();
            for (var i = start; i < Math.Min(start + Chunk, total); i++)
            {
                // a rep holds open leads up to a little under the default cap; past it, leads wait in the pool or were disqualified
                var rep = f.PickRandom(reps);
                var status = f.Random.WeightedRandom([LeadStatus.New, LeadStatus.Contacted, LeadStatus.Qualified, LeadStatus.Disqualified], [0.35f, 0.35f, 0.2f, 0.1f]);
                var inPool = f.Random.Bool(0.2f) || (status != LeadStatus.Disqualified && held.GetValueOrDefault(rep.Id) >= HeldPerRep);
                if (inPool && status is LeadStatus.Qualified or LeadStatus.Disqualified) status = LeadStatus.Contacted;
                if (!inPool && status != LeadStatus.Disqualified) held[rep.Id] = held.GetValueOrDefault(rep.Id) + 1;
                var created = demo.NowUtc.AddDays(-f.Random.Double(0, 90));
                var claimed = inPool ? (DateTime?)null : demo.NowUtc.AddDays(-f.Random.Double(0, 25));
                batch.Add(new DemoRecord<Lead>(new Lead
                {
                    Name = f.Name.FullName(),
                    Company = f.Company.CompanyName(),
                    Title = f.Name.JobTitle(),
                    Phone = f.Phone.PhoneNumber("+86 1## #### ####"),
                    Email = f.Internet.Email(),
                    Industry = f.PickRandom(Industries),
                    Region = f.PickRandom(Regions),
                    Source = f.PickRandom<LeadSource>(),
                    Status = status,
                    Score = f.Random.Int(0, 100),
                    EstimatedAmount = f.Random.Bool(0.6f) ? Math.Round(f.Random.Decimal(2_000, 300_000) / 100) * 100 : null,
                    ClaimedAtUtc = claimed < created ? created : claimed,
                    LastFollowUpAtUtc = status == LeadStatus.New || claimed is null ? null : demo.NowUtc.AddDays(-f.Random.Double(0, 20)),
                    ReturnedAtUtc = inPool && f.Random.Bool(0.5f) ? demo.NowUtc.AddDays(-f.Random.Double(0, 30)) : null,
                }, inPool ? null : rep, created));
                if (batch[^1].Entity.ReturnedAtUtc is not null) batch[^1].Entity.ReturnReason = f.PickRandom(ReturnReasons);
            }
            await demo.InsertAsync(batch, progress, cancellationToken);
        }
    }
}
