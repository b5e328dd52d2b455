namespace SalesKernel.Sdk;

/// <summary>The version of the SDK contracts a host provides.</summary>
/// <remarks>
/// A plugin states in <c>plugin.json</c> which SDK versions it works with (an npm-style range such
/// as <c>^1.0.0</c>); the kernel refuses to load a plugin whose range excludes <see cref="Current"/>.
/// The major number changes only when a contract changes incompatibly.
/// </remarks>
public static class SdkVersion
{
    /// <summary>The SDK version of this assembly.</summary>
    public const string Current = "2.1.0";
}
