using System.Collections.Concurrent;
using System.Threading.Channels;

namespace SalesKernel.Core.Outbox;

/// <summary>
/// Wakes the background workers (outbox dispatcher, webhook sender) when a write commits, so events
/// leave at once instead of at the next poll. Each worker waits on its own channel, so one worker
/// taking a signal never leaves another asleep.
/// </summary>
public sealed class OutboxSignal
{
    private readonly ConcurrentDictionary<string, Channel<bool>> _channels = new();

    public void Notify()
    {
        foreach (var channel in _channels.Values) channel.Writer.TryWrite(true);
    }

    /// <summary>
    /// A worker sleeps after a signal this long before it looks: the writes of a busy moment are then
    /// handed on together (one lease, one save for many events), instead of each write's event taking two
    /// write transactions of its own that the next writers wait for.
    /// </summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits for a signal (true, after <see cref="GatherTime"/>) or the timeout (false).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken, string worker = "dispatcher")
    {
        var channel = _channels.GetOrAdd(worker, _ => Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite }));
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await channel.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the poll interval passed
        }
        await Task.Delay(GatherTime, cancellationToken);
        channel.Reader.TryRead(out _); // what was signalled meanwhile is looked at now
        return true;
    }
}
