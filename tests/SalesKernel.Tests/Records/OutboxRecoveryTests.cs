using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Records;

/// <summary>An event whose progress the database refused to save is let go as soon as the database answers again, not when its lease runs out.</summary>
public sealed class OutboxRecoveryTests : IDisposable
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public void Dispose()
    {
        _plugins.Dispose();
        _db.Dispose();
    }

    private Task<long> WaitingAsync() => _db.ScalarAsync("SELECT COUNT(*) FROM sk_outbox WHERE \"DispatchedAtUtc\" IS NULL").ContinueWith(t => Convert.ToInt64(t.Result));

    [Fact]
    public async Task A_refused_save_of_the_outbox_is_tried_again_within_seconds()
    {
        // the lease is ten minutes: an event that waited for it would still be waiting at the end of this test
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Outbox:LeaseSeconds"] = "600" }) { CaptureLogs = true };
        using var admin = await host.TenantClientAsync("acme");
        // the database refuses to mark events handed on while the table "outage" holds a row (a lost connection, as the dispatcher sees it)
        await _db.ExecuteAsync("CREATE TABLE outage (x INTEGER)");
        await _db.ExecuteAsync("INSERT INTO outage VALUES (1)");
        if (_db.IsPostgres)
        {
            await _db.ExecuteAsync("CREATE FUNCTION refuse_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
                "IF NEW.\"DispatchedAtUtc\" IS NOT NULL AND EXISTS (SELECT 1 FROM outage) THEN RAISE EXCEPTION 'the database is unreachable'; END IF; RETURN NEW; END $$");
            await _db.ExecuteAsync("CREATE TRIGGER refuse_dispatch BEFORE UPDATE ON sk_outbox FOR EACH ROW EXECUTE FUNCTION refuse_dispatch()");
        }
        else if (_db.IsSqlServer)
            await _db.ExecuteAsync("CREATE TRIGGER refuse_dispatch ON sk_outbox AFTER UPDATE AS BEGIN " +
                "IF EXISTS (SELECT 1 FROM inserted WHERE \"DispatchedAtUtc\" IS NOT NULL) AND EXISTS (SELECT 1 FROM outage) THROW 50000, 'the database is unreachable', 1; END");
        else
            await _db.ExecuteAsync("CREATE TRIGGER refuse_dispatch BEFORE UPDATE OF \"DispatchedAtUtc\" ON sk_outbox WHEN NEW.\"DispatchedAtUtc\" IS NOT NULL AND EXISTS (SELECT 1 FROM outage) " +
                "BEGIN SELECT RAISE(ABORT, 'the database is unreachable'); END");

        await admin.CreateAsync("/api/customers/customers", new { name = "During the outage" });
        // the dispatcher takes the event, hands it on, and cannot save that it did
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(host.Logs.Any(l => l.Contains("progress could not be saved")))));
        Assert.Equal(1L, await WaitingAsync());

        await _db.ExecuteAsync("DELETE FROM outage"); // the database is back
        Assert.True(await Eventually.HoldsAsync(async () => await WaitingAsync() == 0));
    }
}
