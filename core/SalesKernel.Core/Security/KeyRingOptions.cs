using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>Where the Data Protection key ring lives (<c>SalesKernel:Keys:Store</c>).</summary>
public enum KeyStore
{
    /// <summary>Files in <see cref="KeyRingOptions.Path"/> (<c>DataPath/keys</c> by default): several hosts need one shared folder.</summary>
    File,
    /// <summary>Rows of the database (<c>sk_data_protection_key</c>): every host of the database shares them, with no shared folder.</summary>
    Database,
}

/// <summary>
/// Bound from <c>SalesKernel:Keys</c>: the Data Protection key ring, which protects access and refresh
/// tokens and the webhooks' signing secrets. Lose it and every token is invalid and every webhook
/// secret unreadable; keep it with the database and back it up with it.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "SalesKernel:Keys";

    public KeyStore Store { get; set; } = KeyStore.File;
    /// <summary>The folder for <see cref="KeyStore.File"/>; default <c>DataPath/keys</c>.</summary>
    public string? Path { get; set; }
    /// <summary>
    /// A PKCS#12 (.pfx) file whose certificate encrypts the keys at rest (wherever they are kept); every
    /// host needs it to read them. Without one the keys are stored unencrypted.
    /// </summary>
    public string? CertificatePath { get; set; }
    /// <summary>The .pfx file's password, if it has one (from an environment variable or a secret store, not appsettings.json).</summary>
    public string? CertificatePassword { get; set; }
    /// <summary>Further .pfx files whose certificates can still read keys encrypted before a certificate was replaced.</summary>
    public string[] PreviousCertificatePaths { get; set; } = [];

    internal static void Configure(IServiceCollection services, IConfiguration configuration, string dataPath)
    {
        var options = configuration.GetSection(Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var protection = services.AddDataProtection().SetApplicationName("SalesKernel");
        if (options.Store == KeyStore.Database) protection.PersistKeysToDbContext<KernelDbContext>();
        else protection.PersistKeysToFileSystem(new DirectoryInfo(string.IsNullOrWhiteSpace(options.Path)
            ? System.IO.Path.Combine(dataPath, "keys") : System.IO.Path.GetFullPath(options.Path, dataPath)));
        if (string.IsNullOrWhiteSpace(options.CertificatePath)) return;
        var certificate = Load(options.CertificatePath, options.CertificatePassword, "CertificatePath");
        protection.ProtectKeysWithCertificate(certificate);
        protection.UnprotectKeysWithAnyCertificate([certificate,
            .. options.PreviousCertificatePaths.Select(p => Load(p, options.CertificatePassword, "PreviousCertificatePaths"))]);
    }

    private static X509Certificate2 Load(string path, string? password, string setting)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
            if (!certificate.HasPrivateKey) throw new InvalidOperationException("it holds no private key");
            return certificate;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{Section}:{setting} '{path}' cannot be read as a certificate with its private key: {e.Message}", e);
        }
    }
}
