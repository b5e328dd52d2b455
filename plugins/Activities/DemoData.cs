using Bogus;
using SalesKernel.Plugins.Activities.Entities;
using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Activities;

/// <summary>
/// Tasks and reminders for the demo's users, half as many as customers: some overdue, some due
/// today, most later or done. Activities depend on no other plugin, so they are not tied to
/// records here; tasks about a record are made through the API.
/// </summary>
public sealed class ActivityDemoData : IDemoDataSeeder
{
    private const int Chunk = 10_000;

    private static readonly string[] Subjects = ["Call to confirm requirements", "Send the quotation", "Visit the plant", "Follow up on the payment", "Prepare the contract", "Book the product demo", "Ask for a reference", "Renewal reminder"];

    public async Task SeedAsync(IDemoData demo, CancellationToken cancellationToken)
    {
        var f = new Faker { Random = new Randomizer(demo.Seed + 3) };
        var users = demo.Users.ToList();
        var total = demo.Customers / 2;
        var progress = demo.Progress("Activities", total);
        for (var start = 0; start < total; start += Chunk)
        {
            var batch = new List<DemoRecord<Activity>>();
            for (var i = start; i < Math.Min(start + Chunk, total); i++)
            {
                var due = demo.NowUtc.AddHours(f.Random.Double(-24 * 7, 24 * 21));
                var created = due.AddDays(-f.Random.Double(1, 14));
                batch.Add(new DemoRecord<Activity>(new Activity
                {
                    Subject = f.PickRandom(Subjects),
                    Kind = f.Random.WeightedRandom([ActivityKind.Task, ActivityKind.Reminder, ActivityKind.Call, ActivityKind.Meeting], [0.5f, 0.2f, 0.2f, 0.1f]),
                    Priority = f.PickRandom<ActivityPriority>(),
                    Notes = f.Random.Bool(0.3f) ? f.Lorem.Sentence() : null,
                    DueAtUtc = due,
                    CompletedAtUtc = due < demo.NowUtc && f.Random.Bool(0.6f) ? due.AddHours(-f.Random.Double(0, 12)) : null,
                }, f.PickRandom(users), created < demo.NowUtc ? created : demo.NowUtc));
            }
            await demo.InsertAsync(batch, progress, cancellationToken);
        }
    }
}
