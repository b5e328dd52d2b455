using SalesKernel.Sdk;

namespace SalesKernel.Plugins.Customers;

/// <summary>The Chinese of what the plugin tells users (its duplicate rules, the upgrade endpoint).</summary>
internal static class Messages
{
    public static readonly LocalizedText[] Chinese =
    [
        new("{name} is already a strategic customer.", "{name} 已经是战略客户。"),
        new("Only who may promote customers (sales managers, by default) moves a customer to a higher tier.", "只有有权提升客户分层的人（默认为销售经理）才能提升客户分层。"),
        new("A customer named {name} in {region} is in this request twice.", "本次请求中两次出现名为 {name}、区域为 {region} 的客户。"),
        new("A customer named {name} exists in {region} already.", "区域 {region} 已有名为 {name} 的客户。"),
        new("A customer named {name} exists in {region} already, held by a colleague: ask them or your manager.",
            "区域 {region} 已有名为 {name} 的客户，由一位同事负责：请询问该同事或你的经理。"),
        new("no region", "未指定区域"),
        new("A contact with this email or phone is in this request twice.", "本次请求中两次出现此邮箱或电话的联系人。"),
        new("A contact with this email or phone exists already.", "已有使用此邮箱或电话的联系人。"),
        new("A contact with this email or phone exists already, held by a colleague: ask them or your manager.",
            "已有使用此邮箱或电话的联系人，由一位同事负责：请询问该同事或你的经理。"),
    ];
}
