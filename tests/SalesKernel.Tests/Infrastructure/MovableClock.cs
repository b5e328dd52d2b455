namespace SalesKernel.Tests.Infrastructure;

/// <summary>The real clock, moved forward on demand: time-dependent behaviour without sleeping.</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Ahead { get; set; }
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Ahead;
}
