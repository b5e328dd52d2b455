namespace SalesKernel.Tests.Infrastructure;

/// <summary>
/// The real clock, moved forward on demand: time-dependent behaviour without sleeping. Frozen
/// (<see cref="FrozenAt"/>), it stands still but for <see cref="Ahead"/>: a test that compares "9 s later"
/// with "11 s later" then holds however slowly a loaded machine runs it.
/// </summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Ahead { get; set; }
    /// <summary>When set, the time the clock shows (before <see cref="Ahead"/>) instead of the real time.</summary>
    public DateTimeOffset? FrozenAt { get; set; }
    public override DateTimeOffset GetUtcNow() => (FrozenAt ?? System.GetUtcNow()) + Ahead;
}
