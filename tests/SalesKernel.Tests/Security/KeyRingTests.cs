using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SalesKernel.Tests.Infrastructure;

namespace SalesKernel.Tests.Security;

/// <summary>
/// The Data Protection key ring (which protects tokens and webhook secrets): kept in the database,
/// every host of it accepts the tokens of the others with no shared folder; encrypted with a
/// configured certificate, no key is readable at rest.
/// </summary>
public sealed class KeyRingTests : IAsyncLifetime
{
    private readonly PluginFolder _plugins = new PluginFolder().Add(PluginFolder.Customers);
    private readonly TestDatabase _db = TestDatabase.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _plugins.Dispose();
        _db.Dispose();
        return Task.CompletedTask;
    }

    private string Folder(string name) => Path.Combine(_db.DataPath, name);

    private static async Task<HttpStatusCode> MeAsync(KernelHost host, HttpClient signedIn)
    {
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = signedIn.DefaultRequestHeaders.Authorization;
        return (await client.GetAsync("/api/auth/me")).StatusCode;
    }

    [Fact]
    public async Task Hosts_keeping_the_key_ring_in_the_database_accept_each_others_tokens_and_the_keys_are_encrypted()
    {
        var pfx = Path.Combine(_db.DataPath, "keys.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=SalesKernel key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            Directory.CreateDirectory(_db.DataPath);
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-Pass-1"));
        }
        Dictionary<string, string?> Settings(string folder) => new()
        {
            ["SalesKernel:Keys:Store"] = "Database",
            ["SalesKernel:Keys:Path"] = Folder(folder), // not used with the database: shows that nothing is shared through files
            ["SalesKernel:Keys:CertificatePath"] = pfx,
            ["SalesKernel:Keys:CertificatePassword"] = "pfx-Pass-1",
        };
        await using var one = new KernelHost(_plugins, _db, Settings("one"));
        await using var two = new KernelHost(_plugins, _db, Settings("two"));
        using var admin = await one.TenantClientAsync("acme");
        using var platformOnTwo = await two.PlatformClientAsync();

        Assert.Equal(HttpStatusCode.OK, await MeAsync(two, admin));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(one, platformOnTwo));

        // the keys are rows of the database, each encrypted with the certificate: no key material in the clear
        var rows = Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_data_protection_key"));
        Assert.True(rows >= 1, "no key in the database");
        var encrypted = Convert.ToInt64(await _db.ScalarAsync(
            "SELECT COUNT(*) FROM sk_data_protection_key WHERE \"Xml\" LIKE '%EncryptedXmlDecryptor%' AND \"Xml\" NOT LIKE '%<value>%'"));
        Assert.Equal(rows, encrypted);
        Assert.False(Directory.Exists(Folder("one")) && Directory.EnumerateFiles(Folder("one")).Any());
    }

    [Fact]
    public async Task Hosts_with_key_rings_of_their_own_refuse_each_others_tokens()
    {
        await using var one = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Keys:Path"] = Folder("one") });
        await using var two = new KernelHost(_plugins, _db, new Dictionary<string, string?> { ["SalesKernel:Keys:Path"] = Folder("two") });
        using var admin = await one.TenantClientAsync("acme");
        using var platformOnTwo = await two.PlatformClientAsync();

        Assert.Equal(HttpStatusCode.OK, await MeAsync(one, admin));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(two, admin));
        Assert.Single(Directory.EnumerateFiles(Folder("one"), "key-*.xml"));
        Assert.Single(Directory.EnumerateFiles(Folder("two"), "key-*.xml"));
        Assert.Equal(0L, Convert.ToInt64(await _db.ScalarAsync("SELECT COUNT(*) FROM sk_data_protection_key")));
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_read_stops_the_host_with_the_setting_named()
    {
        await using var host = new KernelHost(_plugins, _db, new Dictionary<string, string?>
        {
            ["SalesKernel:Keys:CertificatePath"] = Path.Combine(_db.DataPath, "missing.pfx"),
        });
        var error = Assert.ThrowsAny<Exception>(() => host.Services);
        Assert.Contains("SalesKernel:Keys:CertificatePath", error.ToString());
    }
}
