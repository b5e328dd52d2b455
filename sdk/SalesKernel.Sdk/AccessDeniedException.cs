namespace SalesKernel.Sdk;

/// <summary>The caller may see the thing but not do this to it. The client gets 403.</summary>
/// <param name="message">What is not allowed, for the user.</param>
public sealed class AccessDeniedException(string message) : Exception(message);
