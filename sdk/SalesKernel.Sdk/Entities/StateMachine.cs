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
    public StateMachineBuilder(StateMachineDefinition definition) => Definition = definition;

    /// <summary>The definition being built.</summary>
    public StateMachineDefinition Definition { get; }

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
    public TransitionDefinition Definition { get; }

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

    /// <summary>The caller must give a comment (a reason for losing a deal, say).</summary>
    /// <returns>This builder.</returns>
    public TransitionBuilder<TEntity> RequiresComment()
    {
        Definition.RequiresComment = true;
        return this;
    }
}

/// <summary>What an effect knows about the transition that runs it.</summary>
/// <param name="Name">The transition.</param>
/// <param name="From">The state it leaves.</param>
/// <param name="To">The state it enters.</param>
/// <param name="Comment">The caller's comment, if any.</param>
/// <param name="UserId">Who runs it.</param>
public sealed record TransitionRun(string Name, object From, object To, string? Comment, string? UserId);

/// <summary>A declared state machine.</summary>
public sealed class StateMachineDefinition
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
public sealed record TransitionDefinition(string Name, IReadOnlyList<object> From, object To)
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
}

/// <summary>How a transition waits for approval.</summary>
/// <param name="Pending">The state while approval waits.</param>
/// <param name="RejectedTo">The state a rejection returns the record to.</param>
public sealed record ApprovalDefinition(object Pending, object RejectedTo);

/// <summary>A guard: a rule name, the check, and the reason shown when it fails.</summary>
/// <param name="Rule">Stable name.</param>
/// <param name="Holds">The check.</param>
/// <param name="Reason">Why not.</param>
public sealed record GuardDefinition(string Rule, Func<object, bool> Holds, string Reason);
