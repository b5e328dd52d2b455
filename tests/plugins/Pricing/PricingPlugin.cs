using SalesKernel.Sdk;
using SalesKernel.TestPlugins.Deals;

namespace SalesKernel.TestPlugins.Pricing;

/// <summary>Prices deals through the Deals plugin's extension point: declared out of order, run by their order.</summary>
public sealed class PricingPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.Implement<IDealPricer, RoundToHundreds>(order: 30);
        builder.Implement<IDealPricer, VolumeDiscount>(order: 20);
        builder.Implement<IDealPricer, HandlingFee>(order: 10);
    }
}

public sealed class HandlingFee : IDealPricer
{
    public string Name => "handling fee";
    public decimal Price(Deal deal, decimal price) => price + 50m;
}

public sealed class VolumeDiscount : IDealPricer
{
    public string Name => "volume discount";
    public decimal Price(Deal deal, decimal price) => price >= 1000m ? price * 0.9m : price;
}

public sealed class RoundToHundreds : IDealPricer
{
    public string Name => "rounded";
    public decimal Price(Deal deal, decimal price) => Math.Round(price / 100m, MidpointRounding.AwayFromZero) * 100m;
}
