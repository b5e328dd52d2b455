namespace SalesKernel.Sdk.Entities;

/// <summary>A handler a plugin attached to an entity.</summary>
/// <param name="PluginId">The plugin that attached it.</param>
/// <param name="EntityType">The entity's CLR type.</param>
/// <param name="HandlerType">The handler's type.</param>
/// <param name="Stage">Pre- or post-operation.</param>
/// <param name="Order">Lower runs first.</param>
public sealed record HandlerRegistration(string PluginId, Type EntityType, Type HandlerType, HandlerStage Stage, int Order);

/// <summary>A validator a plugin attached to an entity.</summary>
/// <param name="PluginId">The plugin that attached it.</param>
/// <param name="EntityType">The entity's CLR type.</param>
/// <param name="ValidatorType">The validator's type.</param>
public sealed record ValidatorRegistration(string PluginId, Type EntityType, Type ValidatorType);

/// <summary>An after-commit event handler a plugin attached to an entity.</summary>
/// <param name="PluginId">The plugin that attached it.</param>
/// <param name="EntityType">The entity's CLR type.</param>
/// <param name="HandlerType">The handler's type.</param>
public sealed record EventHandlerRegistration(string PluginId, Type EntityType, Type HandlerType);
