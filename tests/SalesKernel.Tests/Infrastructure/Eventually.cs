namespace SalesKernel.Tests.Infrastructure;

/// <summary>Waits for what a host's background work makes true: checks the condition until it holds or the time is up.</summary>
public static class Eventually
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false when it did not within <paramref name="within"/> (10 s).</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }
}
