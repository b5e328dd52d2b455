using System.Linq.Expressions;

namespace SalesKernel.Sdk.Entities;

/// <summary>
/// Declares the lifecycle of an entity set's status field: its states, which one a new record
/// starts in, which are final, and the named transitions between them. Clients cannot write the
/// status field; they run a transition, which checks the caller's privilege and the guards, applies
/// its effects, and is audited and recorded in the record's history.
/// </summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
/// <typeparam name="TState">The status type: an enum or a string.</typeparam>
public sealed class StateMachineBuilder<TEntity, TState> where TEntity : class, IEntity where TState : notnull
{
    /// <summary>Wraps a definition; the kernel creates one per <c>StateMachine</c> call.</summary>
    /// <param name="definition">The definition to fill.</param>
    internal StateMachineBuilder(StateMachineDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal StateMachineDefinition Definition { get; }

    /// <summary>The state every new record starts in.</summary>
    /// <param name="state">The initial state.</param>
    /// <returns>This builder.</returns>
    public StateMachineBuilder<TEntity, TState> Initial(TState state)
    {
        Definition.Initial = state;
        AddState(state);
        return this;
    }

    /// <summary>States no transition leaves.</summary>
    /// <param name="states">The final states.</param>
    /// <returns>This builder.</returns>
    public StateMachineBuilder<TEntity, TState> Final(params TState[] states)
    {
        foreach (var state in states)
        {
            AddState(state);
            Definition.Final.Add(state);
        }
        return this;
    }

    /// <summary>A named transition from any of <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <param name="name">Lower-case name, the route segment: <c>POST …/{id}/transitions/&lt;name&gt;</c>.</param>
    /// <param name="from">The states it may start from.</param>
    /// <param name="to">The state it leads to.</param>
    /// <param name="configure">Privilege, guards, effects, comment.</param>
    /// <returns>This builder.</returns>
    public StateMachineBuilder<TEntity, TState> Transition(string name, TState[] from, TState to, Action<TransitionBuilder<TEntity>>? configure = null)
    {
        if (Definition.Transitions.Any(t => t.Name == name)) throw new InvalidOperationException($"Transition {name} is declared twice.");
        foreach (var state in from) AddState(state);
        AddState(to);
        var transition = new TransitionDefinition(name, from.Cast<object>().ToList(), to);
        configure?.Invoke(new TransitionBuilder<TEntity>(transition));
        if (transition.Approval is { } approval)
        {
            AddState((TState)approval.Pending);
            AddState((TState)approval.RejectedTo);
        }
        Definition.Transitions.Add(transition);
        return this;
    }

    private void AddState(TState state)
    {
        if (!Definition.States.Contains(state)) Definition.States.Add(state);
    }
}

/// <summary>Configures one transition.</summary>
/// <typeparam name="TEntity">The entity's CLR type.</typeparam>
public sealed class TransitionBuilder<TEntity> where TEntity : class, IEntity
{
    internal TransitionBuilder(TransitionDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    internal TransitionDefinition Definition { get; }

    /// <summary>
    /// The privilege the caller needs over the record (default <c>update</c>). A privilege that is not
    /// standard must be declared on the set with <c>Privilege(...)</c>.
    /// </summary>
    /// <param name="privilege">The privilege's name.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> RequiresPrivilege(string privilege)
    {
        Definition.Privilege = privilege;
        return this;
    }

    /// <summary>What users see on the transition's button, in English and Simplified Chinese.</summary>
    /// <param name="displayName">The text.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> DisplayName(LocalizedText displayName)
    {
        Definition.DisplayName = displayName;
        return this;
    }

    /// <summary>A rule that must hold for the transition to run; when it does not, the reason is shown.</summary>
    /// <param name="rule">A stable name, such as <c>deals.amount-required</c>.</param>
    /// <param name="holds">True when the transition may run.</param>
    /// <param name="reason">Why it may not, for the user.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> Guard(string rule, Func<TEntity, bool> holds, string reason)
    {
        Definition.Guards.Add(new GuardDefinition(rule, record => holds((TEntity)record), reason));
        return this;
    }

    /// <summary>Changes the record as the transition runs (set a closing date, clear a field …).</summary>
    /// <param name="effect">Applied to the tracked record before it is written.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> Effect(Action<TEntity, TransitionRun> effect)
    {
        Definition.Effects.Add((record, run) => effect((TEntity)record, run));
        return this;
    }

    /// <summary>
    /// The transition may need approval: when a tenant's approval policy for it has levels whose
    /// conditions the record meets, running it moves the record to <paramref name="pending"/> and
    /// opens an approval; the last approval completes the transition, a rejection moves the record
    /// to <paramref name="rejectedTo"/>. Without an applicable policy it runs at once.
    /// </summary>
    /// <typeparam name="TState">The status type.</typeparam>
    /// <param name="pending">The state while approval waits.</param>
    /// <param name="rejectedTo">The state a rejection returns the record to.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> RequiresApproval<TState>(TState pending, TState rejectedTo) where TState : notnull
    {
        Definition.Approval = new ApprovalDefinition(pending, rejectedTo);
        return this;
    }

    /// <summary>
    /// The transition takes input: a JSON object <c>input</c> in the request body, read into a
    /// <typeparamref name="TInput"/> and validated like a write — every public settable property is a
    /// field (an enum a choice, text, numbers, dates, ids), declared further with <paramref name="configure"/>
    /// (required, range, email, references); every error comes back in one 400 under <c>input.&lt;field&gt;</c>,
    /// references must name records the caller can read. Effects read it with <see cref="TransitionRun.InputAs{T}"/>;
    /// it is kept in the record's history and, when the transition waits for approval, with the approval.
    /// </summary>
    /// <typeparam name="TInput">A class with a parameterless constructor and settable properties.</typeparam>
    /// <param name="configure">Declares fields of the input.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> Input<TInput>(Action<TransitionInputBuilder<TInput>>? configure = null) where TInput : class, new()
    {
        Definition.InputType = typeof(TInput);
        configure?.Invoke(new TransitionInputBuilder<TInput>(Definition.InputFields, Definition.InputChecks));
        return this;
    }

    /// <summary>Changes the record as the transition runs, with the transition's <see cref="Input{TInput}"/>.</summary>
    /// <typeparam name="TInput">The input type the transition declared.</typeparam>
    /// <param name="effect">Applied to the tracked record before it is written.</param>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> Effect<TInput>(Action<TEntity, TInput, TransitionRun> effect) where TInput : class
    {
        Definition.Effects.Add((record, run) => effect((TEntity)record, run.InputAs<TInput>(), run));
        return this;
    }

    /// <summary>The caller must give a comment (a reason for losing a deal, say).</summary>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> RequiresComment()
    {
        Definition.RequiresComment = true;
        return this;
    }
}

/// <summary>Declares the fields of a transition's input.</summary>
/// <typeparam name="TInput">The input type.</typeparam>
public sealed class TransitionInputBuilder<TInput> where TInput : class
{
    private readonly List<FieldDefinition> _fields;
    private readonly List<InputCheck> _checks;

    internal TransitionInputBuilder(List<FieldDefinition> fields, List<InputCheck> checks)
    {
        _fields = fields;
        _checks = checks;
    }

    /// <summary>
    /// A rule across the input's fields, checked once each field is valid; when it does not hold, the
    /// 400 names <paramref name="field"/> with <paramref name="message"/>.
    /// </summary>
    /// <param name="field">The property the error is about (<c>nameof(LoseInput.Competitor)</c>).</param>
    /// <param name="holds">True when the input is acceptable.</param>
    /// <param name="message">What is wrong, for the user.</param>
    /// <returns>This builder.</returns>
    public TransitionInputBuilder<TInput> Check(string field, Func<TInput, bool> holds, string message)
    {
        _checks.Add(new InputCheck(JsonNames.CamelCase(field), input => holds((TInput)input), message));
        return this;
    }

    /// <summary>Declares how one property of the input is read and checked.</summary>
    /// <typeparam name="TValue">The property's type.</typeparam>
    /// <param name="property">The property, <c>i =&gt; i.Reason</c>.</param>
    /// <param name="configure">Display name, required, range, format, references.</param>
    /// <returns>This builder.</returns>
    public TransitionInputBuilder<TInput> Field<TValue>(Expression<Func<TInput, TValue>> property, Action<FieldBuilder> configure)
    {
        var name = property.Body is MemberExpression member ? member.Member.Name
            : throw new ArgumentException("Name a property of the input: i => i.Reason.", nameof(property));
        var definition = _fields.FirstOrDefault(f => f.PropertyName == name);
        if (definition is null) _fields.Add(definition = new FieldDefinition(JsonNames.CamelCase(name), name, typeof(TValue)));
        configure(new FieldBuilder(definition));
        return this;
    }
}

/// <summary>What an effect knows about the transition that runs it.</summary>
/// <param name="Name">The transition.</param>
/// <param name="From">The state it leaves.</param>
/// <param name="To">The state it enters.</param>
/// <param name="Comment">The caller's comment, if any.</param>
/// <param name="UserId">Who runs it.</param>
public sealed record TransitionRun(string Name, object From, object To, string? Comment, string? UserId)
{
    /// <summary>The validated input, when the transition declares one (<see cref="TransitionBuilder{TEntity}.Input{TInput}"/>).</summary>
    public object? Input { get; init; }

    /// <summary>When the transition runs, by the host's clock (UTC).</summary>
    public DateTime AtUtc { get; init; }

    /// <summary>The input as its declared type.</summary>
    /// <typeparam name="T">The type the transition declared.</typeparam>
    /// <returns>The input.</returns>
    /// <exception cref="InvalidOperationException">The transition declares no input of that type.</exception>
    public T InputAs<T>() where T : class =>
        Input as T ?? throw new InvalidOperationException($"Transition {Name} has no input of type {typeof(T).Name}.");
}

/// <summary>A declared state machine.</summary>
internal sealed class StateMachineDefinition
{
    /// <summary>Creates a definition for a status property.</summary>
    /// <param name="propertyName">The status property.</param>
    /// <param name="stateType">Its type.</param>
    public StateMachineDefinition(string propertyName, Type stateType)
    {
        PropertyName = propertyName;
        StateType = stateType;
    }

    /// <summary>The status property.</summary>
    public string PropertyName { get; }
    /// <summary>The status type (enum or string).</summary>
    public Type StateType { get; }
    /// <summary>The state of a new record.</summary>
    public object? Initial { get; set; }
    /// <summary>Every state named by the declaration.</summary>
    public List<object> States { get; } = [];
    /// <summary>States no transition leaves.</summary>
    public List<object> Final { get; } = [];
    /// <summary>The transitions.</summary>
    public List<TransitionDefinition> Transitions { get; } = [];
}

/// <summary>A declared transition.</summary>
/// <param name="Name">Its name.</param>
/// <param name="From">States it may start from.</param>
/// <param name="To">The state it leads to.</param>
internal sealed record TransitionDefinition(string Name, IReadOnlyList<object> From, object To)
{
    /// <summary>The privilege the caller needs over the record.</summary>
    public string Privilege { get; set; } = Privileges.Update;
    /// <summary>Rules that must hold.</summary>
    public List<GuardDefinition> Guards { get; } = [];
    /// <summary>Changes applied as it runs.</summary>
    public List<Action<object, TransitionRun>> Effects { get; } = [];
    /// <summary>Whether the caller must comment.</summary>
    public bool RequiresComment { get; set; }
    /// <summary>Set when the transition may need approval.</summary>
    public ApprovalDefinition? Approval { get; set; }
    /// <summary>What users see on the button; the name, humanised, when absent.</summary>
    public LocalizedText? DisplayName { get; set; }
    /// <summary>The type of the transition's input, if it takes one.</summary>
    public Type? InputType { get; set; }
    /// <summary>Declarations of the input's fields (the others are read as their types say).</summary>
    public List<FieldDefinition> InputFields { get; } = [];
    /// <summary>Rules across the input's fields.</summary>
    public List<InputCheck> InputChecks { get; } = [];
}

/// <summary>A rule over a transition's whole input.</summary>
/// <param name="Field">The field (API name) an error is reported on.</param>
/// <param name="Holds">The check.</param>
/// <param name="Message">What is wrong when it fails.</param>
internal sealed record InputCheck(string Field, Func<object, bool> Holds, string Message);

/// <summary>How a transition waits for approval.</summary>
/// <param name="Pending">The state while approval waits.</param>
/// <param name="RejectedTo">The state a rejection returns the record to.</param>
internal sealed record ApprovalDefinition(object Pending, object RejectedTo);

/// <summary>A guard: a rule name, the check, and the reason shown when it fails.</summary>
/// <param name="Rule">Stable name.</param>
/// <param name="Holds">The check.</param>
/// <param name="Reason">Why not.</param>
internal sealed record GuardDefinition(string Rule, Func<object, bool> Holds, string Reason);
