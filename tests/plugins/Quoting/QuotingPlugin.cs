using FluentValidation;
using Microsoft.AspNetCore.Builder;
using SalesKernel.Sdk;
using SalesKernel.Sdk.Entities;

namespace SalesKernel.TestPlugins.Quoting;

/// <summary>
/// A quote with its items, the way a quotes plugin uses the kernel's document seams: one write for the
/// header and its lines, money in the quote's currency with totals worked out on the server, a number
/// from the tenant's sequence, lines checked together, and transitions that take input.
/// </summary>
public sealed class QuotingPlugin : ISalesKernelPlugin
{
    public void Configure(IPluginBuilder builder)
    {
        builder.AddNumberSequence("quote", new("Quote numbers", "报价单编号"), "Q-{yyyy}-{00000}");
        builder.AddEntitySet<Quote>("quotes", set => set
            .DisplayName(new("Quote", "报价单"), new("Quotes", "报价单"))
            .OwnedByUser()
            .Model(b =>
            {
                b.Property(q => q.Number).HasMaxLength(30);
                b.HasIndex(q => q.Number).IsUnique();
                b.Property(q => q.Customer).HasMaxLength(200);
                b.Property(q => q.Currency).HasMaxLength(3);
                b.Property(q => q.Status).HasConversion<string>().HasMaxLength(20);
                b.Property(q => q.Subtotal).HasPrecision(18, 2);
                b.Property(q => q.Tax).HasPrecision(18, 2);
                b.Property(q => q.Total).HasPrecision(18, 2);
                b.Property(q => q.TaxRate).HasPrecision(5, 2);
                b.Property(q => q.SentTo).HasMaxLength(254);
                b.Property(q => q.DeclineReason).HasConversion<string>().HasMaxLength(20);
            })
            .Field(q => q.Number, f => f.DisplayName(new("Number", "编号")).Numbered("quote").Filterable().Sortable())
            .Field(q => q.Customer, f => f.DisplayName(new("Customer", "客户")).Required().Searchable())
            .Field(q => q.Currency, f => f.DisplayName(new("Currency", "币种")).Currency().Filterable())
            .Field(q => q.TaxRate, f => f.DisplayName(new("Tax rate (%)", "税率 (%)")).Range(0, 100))
            .Field(q => q.Subtotal, f => f.DisplayName(new("Subtotal", "小计")).Money().ReadOnly().Filterable().Sortable())
            .Field(q => q.Tax, f => f.DisplayName(new("Tax", "税额")).Money().ReadOnly())
            .Field(q => q.Total, f => f.DisplayName(new("Total", "总计")).Money().ReadOnly().Filterable().Sortable())
            .Field(q => q.Status, f => f.DisplayName(new("Status", "状态")).Filterable().Sortable())
            .Field(q => q.ValidUntil, f => f.DisplayName(new("Valid until", "有效期至")).ReadOnly())
            .Field(q => q.SentTo, f => f.DisplayName(new("Sent to", "发送至")).ReadOnly())
            .Field(q => q.DeclineReason, f => f.DisplayName(new("Decline reason", "拒绝原因")).ReadOnly())
            .Lines(q => q.Lines, lines => lines
                .Model(l =>
                {
                    l.Property(x => x.Sku).HasMaxLength(40);
                    l.Property(x => x.Description).HasMaxLength(200);
                    l.Property(x => x.Quantity).HasPrecision(18, 4);
                    l.Property(x => x.UnitPrice).HasPrecision(18, 2);
                    l.Property(x => x.DiscountPercent).HasPrecision(5, 2);
                    l.Property(x => x.Amount).HasPrecision(18, 2);
                    l.HasIndex(x => x.Sku);
                })
                .Field(l => l.Sku, f => f.DisplayName(new("SKU", "商品编码")).Required())
                .Field(l => l.Description, f => f.DisplayName(new("Description", "描述")))
                .Field(l => l.Quantity, f => f.DisplayName(new("Quantity", "数量")).Range(0.0001, 1_000_000))
                .Field(l => l.UnitPrice, f => f.DisplayName(new("Unit price", "单价")).Money().Range(0, null))
                .Field(l => l.DiscountPercent, f => f.DisplayName(new("Discount (%)", "折扣 (%)")).Range(0, 100))
                .Field(l => l.Amount, f => f.DisplayName(new("Amount", "金额")).Money().ReadOnly())
                .AtLeastOne()
                .MaxLines(50))
            // the server's arithmetic: each line rounded to the currency, then summed (see Money)
            .Compute(q =>
            {
                var currency = q.Currency!; // the kernel gave it the tenant's currency if the client did not
                foreach (var line in q.Lines)
                    line.Amount = Currencies.Round(line.Quantity * line.UnitPrice * (1 - line.DiscountPercent / 100m), currency);
                q.Subtotal = Money.Sum(q.Lines.Select(l => new Money(l.Amount, currency)), currency).Amount;
                q.Tax = Currencies.Round(q.Subtotal * q.TaxRate / 100m, currency);
                q.Total = q.Subtotal + q.Tax;
            })
            .Grant(StandardRoles.SalesRep, AccessDepth.Own, Privileges.Read, Privileges.Create, Privileges.Update, Privileges.Delete)
            .Grant(StandardRoles.SalesManager, AccessDepth.TeamAndBelow, [.. Privileges.Standard])
            .StateMachine(q => q.Status, sm => sm
                .Initial(QuoteStatus.Draft)
                .Final(QuoteStatus.Accepted)
                .Transition("send", [QuoteStatus.Draft], QuoteStatus.Sent, t => t
                    .DisplayName(new("Send", "发送"))
                    .Input<SendInput>(i => i
                        .Field(x => x.To, f => f.DisplayName(new("To", "收件人")).Email().Required())
                        .Field(x => x.Cc, f => f.DisplayName(new("Copy to", "抄送")).Email())
                        .Field(x => x.ValidUntil, f => f.DisplayName(new("Valid until", "有效期至")).Required())
                        .Check(nameof(SendInput.Cc), x => !string.Equals(x.Cc, x.To, StringComparison.OrdinalIgnoreCase), "must differ from to"))
                    .Effect<SendInput>((q, input, _) => { q.SentTo = input.To; q.ValidUntil = input.ValidUntil; }))
                .Transition("accept", [QuoteStatus.Sent], QuoteStatus.Accepted, t => t.DisplayName(new("Accept", "接受")))
                .Transition("decline", [QuoteStatus.Sent], QuoteStatus.Declined, t => t
                    .DisplayName(new("Decline", "拒绝"))
                    .Input<DeclineInput>(i => i.Field(x => x.Reason, f => f.DisplayName(new("Reason", "原因"))))
                    .Effect<DeclineInput>((q, input, _) => q.DeclineReason = input.Reason))
                .Transition("revise", [QuoteStatus.Sent, QuoteStatus.Declined], QuoteStatus.Draft, t => t
                    .DisplayName(new("Revise", "修订"))
                    .Effect((q, _) => { q.SentTo = null; q.ValidUntil = null; q.DeclineReason = null; }))));
        builder.AddValidator<Quote, QuoteValidator>();
        // plugin code changes a document's lines through the store, as it changes any field
        builder.MapEndpoints(e => { e.MapPost("/quotes/{id:guid}/add-line", async (Guid id, QuoteLine line, IEntityStore store, CancellationToken ct) =>
        {
            var quote = await store.UpdateAsync<Quote>(id, q => q.Lines.Add(new QuoteLine { Sku = line.Sku, Quantity = line.Quantity, UnitPrice = line.UnitPrice }), cancellationToken: ct);
            return Microsoft.AspNetCore.Http.TypedResults.Ok(new { quote.Total, Lines = quote.Lines.Count });
        }); e.MapPost("/quotes/{id:guid}/lines/{number:int}/quantity/{quantity:decimal}", async (Guid id, int number, decimal quantity, IEntityStore store, CancellationToken ct) =>
        {
            var quote = await store.UpdateAsync<Quote>(id, q => q.Lines.Single(l => l.LineNumber == number).Quantity = quantity, cancellationToken: ct);
            return Microsoft.AspNetCore.Http.TypedResults.Ok(new { quote.Total });
        }); });
    }
}

public sealed class Quote : IEntity
{
    public Guid Id { get; set; }
    public string? Number { get; set; }
    public string Customer { get; set; } = "";
    public string? Currency { get; set; }
    public decimal TaxRate { get; set; }
    public decimal Subtotal { get; set; }
    public decimal Tax { get; set; }
    public decimal Total { get; set; }
    public QuoteStatus Status { get; set; }
    public DateOnly? ValidUntil { get; set; }
    public string? SentTo { get; set; }
    public DeclineReason? DeclineReason { get; set; }
    public List<QuoteLine> Lines { get; set; } = [];
}

public sealed class QuoteLine : IDocumentLine
{
    public Guid Id { get; set; }
    public Guid DocumentId { get; set; }
    public int LineNumber { get; set; }
    public string Sku { get; set; } = "";
    public string? Description { get; set; }
    public decimal Quantity { get; set; } = 1;
    public decimal UnitPrice { get; set; }
    public decimal DiscountPercent { get; set; }
    public decimal Amount { get; set; }
}

public enum QuoteStatus
{
    Draft,
    Sent,
    Accepted,
    Declined,
}

public enum DeclineReason
{
    Price,
    Terms,
    Competitor,
    Other,
}

/// <summary>Sending a quote names the recipient and how long it is valid.</summary>
public sealed class SendInput
{
    public string To { get; set; } = "";
    public string? Cc { get; set; }
    public DateOnly ValidUntil { get; set; }
}

public sealed class DeclineInput
{
    public DeclineReason Reason { get; set; }
}

/// <summary>Lines checked together: a SKU appears on one line only, and a quote is worth at most 10,000,000.</summary>
public sealed class QuoteValidator : AbstractValidator<Quote>
{
    public QuoteValidator()
    {
        RuleFor(q => q.Lines).Must(lines => lines.Select(l => l.Sku).Distinct(StringComparer.OrdinalIgnoreCase).Count() == lines.Count)
            .WithMessage("must not repeat a SKU: put the quantities on one line");
        RuleFor(q => q.Total).LessThanOrEqualTo(10_000_000m).WithMessage("must be at most 10,000,000");
    }
}
