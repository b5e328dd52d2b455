using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SalesKernel.Core.Jobs;

/// <summary>
/// A background worker that looks for due work in the database every
/// <c>SalesKernel:Jobs:PollSeconds</c> (15 s by default): a failed look is logged and tried again
/// at the next poll; stopping the host stops it.
/// </summary>
internal abstract class PollingWorker(TimeProvider clock, IConfiguration configuration, ILogger logger) : BackgroundService
{
    /// <summary>The host's clock (tests may give another).</summary>
    protected TimeProvider Clock { get; } = clock;

    /// <summary>What the log says when a look fails.</summary>
    protected abstract string FailureMessage { get; }

    /// <summary>Whether there can be any work at all (a host without plugin jobs need not poll for them).</summary>
    protected virtual bool HasWork => true;

    /// <summary>Runs whatever is due now.</summary>
    public abstract Task RunDueAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("SalesKernel:Jobs:PollSeconds", 15)));
        if (!HasWork) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Failure}; trying again shortly", FailureMessage);
            }
            try { await Task.Delay(poll, Clock, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
