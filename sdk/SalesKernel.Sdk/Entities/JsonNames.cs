namespace SalesKernel.Sdk.Entities;

/// <summary>How the API names things.</summary>
public static class JsonNames
{
    /// <summary><c>CreditLimit</c> → <c>creditLimit</c>, the same rule System.Text.Json's web defaults use.</summary>
    /// <param name="name">A property name.</param>
    /// <returns>The camelCase name.</returns>
    public static string CamelCase(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);
}
