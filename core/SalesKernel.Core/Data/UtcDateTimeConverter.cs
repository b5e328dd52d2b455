using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SalesKernel.Core.Data;

/// <summary>Writes local times as UTC, takes unspecified ones as UTC, and reads every value back as UTC.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
