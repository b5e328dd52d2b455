using SalesKernel.Core.Plugins;

namespace SalesKernel.Tests.Loader;

public sealed class PluginManifestTests
{
    [Fact]
    public void A_complete_manifest_is_read_with_its_dependencies()
    {
        var manifest = PluginManifest.Parse("""
            {
              "id": "credit-sales", "name": "Credit sales", "version": "1.2.3", "sdk": "^1.0.0",
              "description": "On-account sales", "author": "Partner", // comments are allowed
              "dependencies": { "customers": ">=1.1.0 <2.0.0", "orders": "~1.4" },
            }
            """);
        Assert.Equal("credit-sales", manifest.Id);
        Assert.Equal("1.2.3", manifest.Version.ToString());
        Assert.Equal(["customers", "orders"], manifest.Dependencies.Select(d => d.Id));
        Assert.True(manifest.Dependencies[0].Range.Contains(Semver.SemVersion.Parse("1.5.0")));
        Assert.False(manifest.Dependencies[0].Range.Contains(Semver.SemVersion.Parse("2.0.0")));
        Assert.False(manifest.Dependencies[1].Range.Contains(Semver.SemVersion.Parse("1.5.0")));
    }

    [Theory]
    [InlineData("""{ "name": "x", "version": "1.0.0", "sdk": "^1" }""", "'id' is required")]
    [InlineData("""{ "id": "x", "name": "x", "version": "one", "sdk": "^1" }""", "'version' \"one\" is not a semantic version")]
    [InlineData("""{ "id": "x", "name": "x", "version": "1.0.0" }""", "'sdk' (the SDK version range) is required")]
    [InlineData("""{ "id": "x", "name": "x", "version": "1.0.0", "sdk": "^1", "dependencies": { "y": "not a range" } }""", "dependency 'y': \"not a range\" is not a version range")]
    [InlineData("""{ "id": "x", "name": "x", "version": "1.0.0", "sdk": "^1", "assembly": "../evil.dll" }""", "must be a .dll file name in the plugin folder")]
    [InlineData("""[1, 2]""", "plugin.json is not valid JSON")]
    [InlineData("""{ "id": "plugins", "name": "x", "version": "1.0.0", "sdk": "^1" }""", "'id' \"plugins\" is reserved by the kernel")]
    public void A_bad_manifest_is_refused_saying_what_is_wrong(string json, string expected)
    {
        var error = Assert.Throws<ManifestException>(() => PluginManifest.Parse(json));
        Assert.Contains(expected, error.Message);
    }
}
