using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Security;

/// <summary>
/// The first platform administrator: created on the first start from <c>SalesKernel:Bootstrap</c>,
/// or with a random one-time password written once to the console (never to the log). There is no
/// fixed default password.
/// </summary>
internal static class Bootstrap
{
    public static void EnsurePlatformAdmin(KernelDbContext db, BootstrapOptions options, Passwords passwords, TimeProvider clock, ILogger logger)
    {
        if (db.AcrossTenants<UserAccount>().Any(u => u.TenantId == null)) return;
        var email = options.AdminEmail.Trim().ToLowerInvariant();
        var password = options.AdminPassword;
        var generated = string.IsNullOrEmpty(password);
        if (generated) password = Passwords.Generate();
        else if (Passwords.Weakness(password) is { } weakness)
            throw new InvalidOperationException($"SalesKernel:Bootstrap:AdminPassword {weakness}.");

        var admin = new UserAccount
        {
            Id = Guid.CreateVersion7(), Email = email, DisplayName = "Platform administrator",
            PasswordHash = passwords.Hash(password!), SecurityStamp = Passwords.NewStamp(), CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
            // a password shown on a console is not the administrator's own: the first sign-in must replace it
            MustChangePassword = generated,
        };
        db.Users.Add(admin);
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException) when (AnotherHostCreatedIt(db, admin))
        {
            // several hosts started together on a new database: one of them made the administrator
            logger.LogInformation("The platform administrator was created by another host starting at the same time");
            return;
        }
        logger.LogWarning("Created the platform administrator {Email}{How}", email,
            generated ? "; its one-time password is printed on the console once — sign in and change it" : " with the configured password");
        if (generated)
            Console.WriteLine($"""

                ==================================================================
                 SalesKernel platform administrator (shown once, not logged)
                   email:    {email}
                   password: {password}
                 Sign in at POST /api/auth/login, then choose your own password:
                 POST /api/auth/password (nothing else answers until you do)
                ==================================================================

                """);
    }

    private static bool AnotherHostCreatedIt(KernelDbContext db, UserAccount mine)
    {
        db.ChangeTracker.Clear(); // the administrator, and the change stamp the save wrote with it
        return db.AcrossTenants<UserAccount>().Any(u => u.TenantId == null);
    }
}
