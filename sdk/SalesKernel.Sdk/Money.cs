using System.Globalization;

namespace SalesKernel.Sdk;

/// <summary>
/// An amount of money in one currency: a <see cref="decimal"/> amount and an ISO 4217 code. Sums and
/// differences refuse to mix currencies; <see cref="Round"/> applies the project's rounding rule.
/// </summary>
/// <remarks>
/// The rounding rule: amounts are kept to the currency's minor unit (CNY, USD, EUR 2 digits; JPY, KRW 0;
/// KWD, BHD 3), rounding half away from zero (四舍五入, 12.345 → 12.35, −12.345 → −12.35). A document
/// rounds each line's amount, then sums the rounded lines, so the total always equals the sum of the
/// lines printed on it. Amounts are never held in <see cref="double"/>.
/// </remarks>
/// <param name="Amount">The amount.</param>
/// <param name="Currency">The ISO 4217 code, three upper-case letters (<c>CNY</c>).</param>
public readonly record struct Money(decimal Amount, string Currency)
{
    /// <summary>The ISO 4217 code, checked: it must be one <see cref="Currencies"/> knows.</summary>
    public string Currency { get; } = Currencies.IsKnown(Currency) ? Currency : throw new ArgumentException($"'{Currency}' is not an ISO 4217 currency code.", nameof(Currency));

    /// <summary>Nothing, in a currency.</summary>
    /// <param name="currency">The ISO 4217 code.</param>
    /// <returns>Zero in that currency.</returns>
    public static Money Zero(string currency) => new(0m, currency);

    /// <summary>The amount rounded to the currency's minor unit, half away from zero.</summary>
    /// <returns>The rounded amount.</returns>
    public Money Round() => new(Currencies.Round(Amount, Currency), Currency);

    /// <summary>The sum of two amounts in the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static Money operator +(Money left, Money right) => new(left.Amount + right.Amount, Same(left, right));

    /// <summary>The difference of two amounts in the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static Money operator -(Money left, Money right) => new(left.Amount - right.Amount, Same(left, right));

    /// <summary>The amount times a factor (a quantity, a rate), not rounded.</summary>
    public static Money operator *(Money money, decimal factor) => new(money.Amount * factor, money.Currency);

    /// <summary>The negated amount.</summary>
    public static Money operator -(Money money) => new(-money.Amount, money.Currency);

    /// <summary>The sum of amounts that must all be in <paramref name="currency"/>.</summary>
    /// <param name="amounts">The amounts.</param>
    /// <param name="currency">Their currency, and the sum's when there are none.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="CurrencyMismatchException">An amount is in another currency.</exception>
    public static Money Sum(IEnumerable<Money> amounts, string currency)
    {
        var total = Zero(currency);
        foreach (var amount in amounts) total += amount;
        return total;
    }

    /// <summary><c>86000.00 CNY</c>: the amount with the currency's digits, invariant culture.</summary>
    public override string ToString() =>
        $"{Amount.ToString("F" + Currencies.MinorUnits(Currency), CultureInfo.InvariantCulture)} {Currency}";

    private static string Same(Money left, Money right) =>
        left.Currency == right.Currency ? left.Currency : throw new CurrencyMismatchException(left.Currency, right.Currency);
}

/// <summary>Amounts in two currencies were added, subtracted or compared.</summary>
/// <param name="left">One currency.</param>
/// <param name="right">The other.</param>
public sealed class CurrencyMismatchException(string left, string right)
    : InvalidOperationException($"Cannot combine amounts in {left} and {right}; convert one first.");

/// <summary>ISO 4217 currencies: which codes exist and how many minor-unit digits each has.</summary>
public static class Currencies
{
    private static readonly Dictionary<string, int> Known = Load();

    /// <summary>Every known code with its minor-unit digits (CNY 2, JPY 0, KWD 3).</summary>
    public static IReadOnlyDictionary<string, int> All => Known;

    /// <summary>Whether a text is an ISO 4217 code this installation knows.</summary>
    /// <param name="code">The text.</param>
    /// <returns>True for a known code.</returns>
    public static bool IsKnown(string? code) => code is { Length: 3 } && Known.ContainsKey(code);

    /// <summary>The currency's minor-unit digits (2 for an unknown code).</summary>
    /// <param name="code">The ISO 4217 code.</param>
    /// <returns>The number of digits after the decimal point.</returns>
    public static int MinorUnits(string? code) => code is not null && Known.TryGetValue(code, out var digits) ? digits : 2;

    /// <summary>An amount rounded to the currency's minor unit, half away from zero.</summary>
    /// <param name="amount">The amount.</param>
    /// <param name="code">The ISO 4217 code.</param>
    /// <returns>The rounded amount.</returns>
    public static decimal Round(decimal amount, string? code) => Math.Round(amount, MinorUnits(code), MidpointRounding.AwayFromZero);

    /// <summary>Whether an amount has no more digits than the currency's minor unit (12.34 in CNY, not 12.345).</summary>
    /// <param name="amount">The amount.</param>
    /// <param name="code">The ISO 4217 code.</param>
    /// <returns>True when rounding would not change it.</returns>
    public static bool HasMinorUnits(decimal amount, string? code) => Round(amount, code) == amount;

    private static Dictionary<string, int> Load()
    {
        // the cultures .NET ships name every currency in use; where they disagree on digits, most win
        var codes = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
            .Select(c =>
            {
                try { return (Code: new RegionInfo(c.Name).ISOCurrencySymbol, Digits: c.NumberFormat.CurrencyDecimalDigits); }
                catch (ArgumentException) { return (Code: "", Digits: 2); }
            })
            .Where(c => c.Code.Length == 3 && c.Code.All(char.IsAsciiLetterUpper))
            .GroupBy(c => c.Code)
            .ToDictionary(g => g.Key, g => g.GroupBy(c => c.Digits).OrderByDescending(d => d.Count()).First().Key);
        // ISO 4217 fixes these whatever a culture's display habit is
        foreach (var (code, digits) in new[] { ("CNY", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("HKD", 2), ("TWD", 2) })
            codes[code] = digits;
        return codes;
    }
}
