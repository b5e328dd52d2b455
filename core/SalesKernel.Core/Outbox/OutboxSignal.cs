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

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken, string worker = "dispatcher")
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
            // the poll interval passed
        }
    }
}
