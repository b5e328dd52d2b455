using SalesKernel.Core.Queries;

namespace SalesKernel.Tests.Queries;

public sealed class FilterParserTests
{
    [Fact]
    public void And_binds_tighter_than_or_and_parentheses_group()
    {
        var node = FilterParser.Parse("region eq 'East' or tier eq 'Key' and size eq 'Large'");
        var or = Assert.IsType<OrNode>(node);
        Assert.IsType<ConditionNode>(or.Items[0]);
        Assert.Equal(2, Assert.IsType<AndNode>(or.Items[1]).Items.Count);

        var grouped = Assert.IsType<AndNode>(FilterParser.Parse("(region eq 'East' or region eq 'West') and not name isnull"));
        Assert.IsType<OrNode>(grouped.Items[0]);
        Assert.Equal(FilterOperator.IsNull, Assert.IsType<ConditionNode>(Assert.IsType<NotNode>(grouped.Items[1]).Item).Operator);
    }

    [Fact]
    public void Values_are_text_numbers_booleans_and_null_and_quotes_are_doubled()
    {
        var c = Assert.IsType<ConditionNode>(FilterParser.Parse("name in ('O''Brien', 'Acme')"));
        Assert.Equal(["O'Brien", "Acme"], c.Values.Select(v => v.Text));
        Assert.Equal(FilterLiteralKind.Number, Assert.IsType<ConditionNode>(FilterParser.Parse("limit gte -12.5e2")).Values[0].Kind);
        Assert.Equal(FilterLiteralKind.Boolean, Assert.IsType<ConditionNode>(FilterParser.Parse("active EQ TRUE")).Values[0].Kind);
        Assert.Equal(FilterLiteralKind.Null, Assert.IsType<ConditionNode>(FilterParser.Parse("region ne null")).Values[0].Kind);
    }

    [Theory]
    [InlineData("name", "expected an operator")]
    [InlineData("name like 'a'", "expected an operator (eq, ne, lt, lte, gt, gte, in, contains, startswith, isnull) after 'name' at position 6, found 'like'")]
    [InlineData("name eq 'open", "is not closed")]
    [InlineData("(name eq 'a'", "expected ')'")]
    [InlineData("name eq 'a' region eq 'b'", "unexpected 'region' at position 13")]
    [InlineData("name eq", "filter ends where a value was expected")]
    [InlineData("name in 'a'", "expected '(' after in")]
    [InlineData("name eq 'a' and", "filter ends where a condition was expected")]
    [InlineData("name eq #", "unexpected character '#' at position 9")]
    public void A_malformed_filter_says_what_and_where(string filter, string expected)
    {
        var error = Assert.Throws<QueryException>(() => FilterParser.Parse(filter));
        Assert.Contains(expected, error.Message);
    }
}
