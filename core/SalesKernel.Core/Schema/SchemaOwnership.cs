using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using SalesKernel.Core.Data;

namespace SalesKernel.Core.Schema;

/// <summary>
/// Who owns each table, column, index and foreign key: the plugin whose entity maps the table owns
/// it, except columns a plugin adds to another's entity (extension fields), which that plugin owns,
/// with the indexes and foreign keys over them. Known from the live model and from the recorded
/// snapshots (for what the live model no longer has).
/// </summary>
internal sealed class SchemaOwnership
{
    private readonly Dictionary<string, string> _tables = [];
    private readonly Dictionary<(string, string), string> _columns = [];
    private readonly Dictionary<(string, string), string> _indexes = [];
    private readonly Dictionary<(string, string), string> _foreignKeys = [];

    public static string OwnerOf(ITable table) =>
        table.EntityTypeMappings.Select(m => m.TypeBase[KernelDbContext.OwnerAnnotation] as string).FirstOrDefault(o => o is not null)
            ?? KernelDbContext.KernelOwner;

    public static string OwnerOf(IColumn column, string tableOwner) =>
        column.PropertyMappings.Select(m => m.Property[KernelDbContext.OwnerAnnotation] as string).FirstOrDefault(o => o is not null)
            ?? tableOwner;

    /// <summary>An index or foreign key belongs to the extension owning one of its columns, else to the table's owner.</summary>
    public static string OwnerOf(IEnumerable<IColumn> columns, string tableOwner) =>
        columns.Select(c => OwnerOf(c, tableOwner)).FirstOrDefault(o => o != tableOwner) ?? tableOwner;

    public static SchemaOwnership From(IRelationalModel model, IEnumerable<TableSnapshot> recorded)
    {
        var map = new SchemaOwnership();
        foreach (var table in model.Tables)
        {
            var owner = OwnerOf(table);
            map._tables[table.Name] = owner;
            foreach (var column in table.Columns) map._columns[(table.Name, column.Name)] = OwnerOf(column, owner);
            foreach (var index in table.Indexes) map._indexes[(table.Name, index.Name)] = OwnerOf(index.Columns, owner);
            foreach (var fk in table.ForeignKeyConstraints) map._foreignKeys[(table.Name, fk.Name)] = OwnerOf(fk.Columns, owner);
        }
        foreach (var table in recorded)
        {
            if (!table.IsExtension) map._tables.TryAdd(table.Name, table.Owner);
            foreach (var column in table.Columns) map._columns.TryAdd((table.Name, column.Name), table.Owner);
            foreach (var index in table.Indexes) map._indexes.TryAdd((table.Name, index.Name), table.Owner);
            foreach (var fk in table.ForeignKeys) map._foreignKeys.TryAdd((table.Name, fk.Name), table.Owner);
        }
        return map;
    }

    public string? OwnerOf(MigrationOperation operation) => operation switch
    {
        AddColumnOperation c => Column(c.Table, c.Name),
        DropColumnOperation c => Column(c.Table, c.Name),
        AlterColumnOperation c => Column(c.Table, c.Name),
        RenameColumnOperation c => Column(c.Table, c.NewName) ?? Column(c.Table, c.Name),
        CreateIndexOperation i => Index(i.Table, i.Name),
        DropIndexOperation i => i.Table is null ? null : Index(i.Table, i.Name),
        RenameIndexOperation i => i.Table is null ? null : Index(i.Table, i.NewName) ?? Index(i.Table, i.Name),
        AddForeignKeyOperation f => ForeignKey(f.Table, f.Name),
        DropForeignKeyOperation f => ForeignKey(f.Table, f.Name),
        ITableMigrationOperation t => _tables.GetValueOrDefault(t.Table),
        _ => null,
    };

    public string? Column(string table, string column) => _columns.GetValueOrDefault((table, column));
    private string? Index(string table, string name) => _indexes.GetValueOrDefault((table, name));
    private string? ForeignKey(string table, string name) => _foreignKeys.GetValueOrDefault((table, name));

    /// <summary>Removes from a new table what other owners add to it; they add it in their own step.</summary>
    public void StripForeignParts(CreateTableOperation create, string owner)
    {
        var foreign = create.Columns.Where(c => Column(create.Name, c.Name) is { } o && o != owner).Select(c => c.Name).ToHashSet();
        if (foreign.Count == 0) return;
        create.Columns.RemoveAll(c => foreign.Contains(c.Name));
        create.ForeignKeys.RemoveAll(f => f.Columns.Any(foreign.Contains));
        create.UniqueConstraints.RemoveAll(u => u.Columns.Any(foreign.Contains));
    }
}
