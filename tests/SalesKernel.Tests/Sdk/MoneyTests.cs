using SalesKernel.Sdk;

namespace SalesKernel.Tests.Sdk;

/// <summary>The SDK's money: exact decimals in one currency, the rounding rule, no mixing of currencies.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData("12.345", "CNY", "12.35")]
    [InlineData("-12.345", "CNY", "-12.35")]
    [InlineData("12.344", "CNY", "12.34")]
    [InlineData("1234.5", "JPY", "1235")]
    [InlineData("1.2345", "KWD", "1.235")]
    public void Amounts_round_to_the_currencys_minor_unit_half_away_from_zero(string amount, string currency, string rounded) =>
        Assert.Equal(decimal.Parse(rounded), new Money(decimal.Parse(amount), currency).Round().Amount);

    [Fact]
    public void Sums_are_exact_and_refuse_to_mix_currencies()
    {
        // ten times 0.1 is 1 exactly, which double cannot say
        Assert.Equal(new Money(1.0m, "CNY"), Money.Sum(Enumerable.Repeat(new Money(0.1m, "CNY"), 10), "CNY"));
        Assert.NotEqual(1.0, Enumerable.Repeat(0.1, 10).Sum());
        Assert.Throws<CurrencyMismatchException>(() => new Money(1m, "CNY") + new Money(1m, "USD"));
        Assert.Throws<CurrencyMismatchException>(() => Money.Sum([new Money(1m, "CNY"), new Money(1m, "EUR")], "CNY"));
        Assert.Equal(new Money(-5m, "USD"), new Money(10m, "USD") - new Money(15m, "USD"));
        Assert.Equal("86000.00 CNY", new Money(86000m, "CNY").ToString());
        Assert.Equal("1500 JPY", new Money(1500m, "JPY").ToString());
    }

    [Fact]
    public void Only_ISO_4217_codes_are_currencies()
    {
        Assert.Throws<ArgumentException>(() => new Money(1m, "RMB"));
        Assert.Throws<ArgumentException>(() => new Money(1m, "cny"));
        Assert.True(Currencies.IsKnown("CNY") && Currencies.IsKnown("USD") && Currencies.IsKnown("EUR"));
        Assert.False(Currencies.IsKnown("XYZ"));
        Assert.Equal(0, Currencies.MinorUnits("JPY"));
        Assert.True(Currencies.HasMinorUnits(12.30m, "CNY"));
        Assert.False(Currencies.HasMinorUnits(12.305m, "CNY"));
    }
}
