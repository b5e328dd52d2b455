using Microsoft.EntityFrameworkCore;

namespace SalesKernel.Core.Data;

/// <summary>
/// SQLite lets one connection write at a time; a writer that finds the lock taken sleeps in SQLite's busy
/// handler (1, 2, 5, 10, 15, 20, 25 … ms) and tries again, so sixteen requests writing at once spent most
/// of their time asleep while the lock stood free. The host's own writers (the pipeline's transactions,
/// the outbox) queue here instead, in order, and each takes the lock the moment the one before lets go.
/// Another process writing to the same file still meets the busy timeout. On PostgreSQL: no gate.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Longest wait for the gate; past it the writer goes on and meets SQLite's own busy timeout (nothing deadlocks).</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <summary>Enters the gate for a write transaction on SQLite; dispose to leave it (after commit or rollback).</summary>
    public async ValueTask<IDisposable> EnterAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite()) return Nothing.Instance;
        return await _gate.WaitAsync(MaxWait, cancellationToken) ? new Held(_gate) : Nothing.Instance;
    }

    private sealed class Held(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
