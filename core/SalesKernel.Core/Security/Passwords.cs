using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace SalesKernel.Core.Security;

/// <summary>Password hashing (ASP.NET Core Identity's PBKDF2 hasher) and the password rule.</summary>
public sealed class Passwords
{
    private readonly PasswordHasher<UserAccount> _hasher = new();
    // verified when the email is unknown, so a wrong email costs as much time as a wrong password
    private readonly string _decoy;

    public Passwords() => _decoy = _hasher.HashPassword(new UserAccount(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    public const int MinimumLength = 10;

    public string Hash(string password) => _hasher.HashPassword(new UserAccount(), password);

    public bool Verify(UserAccount? user, string password)
    {
        var result = _hasher.VerifyHashedPassword(user ?? new UserAccount(), user?.PasswordHash ?? _decoy, password);
        return user is not null && result != PasswordVerificationResult.Failed;
    }

    /// <summary>Why a password is too weak, or null when it is acceptable.</summary>
    public static string? Weakness(string? password) =>
        password is null || password.Length < MinimumLength ? $"must be at least {MinimumLength} characters"
        : !password.Any(char.IsLetter) || !password.Any(char.IsDigit) ? "must contain letters and digits"
        : null;

    public static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>A strong random password, for the first administrator when none is configured.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y') + "7a";
}
